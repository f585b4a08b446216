package e2e

import (
	"context"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/soracron/soracron/emulator"
	"github.com/soracron/soracron/engine"
	"github.com/soracron/soracron/internal/syncio"
	"github.com/soracron/soracron/jobs"
	"github.com/soracron/soracron/scheduler"
	"github.com/soracron/soracron/scheduler/history"
	"github.com/soracron/soracron/scheduler/metrics"
	"github.com/soracron/soracron/sora"
)

// daemon is a scheduler.Scheduler running on the real clock against an
// emulator, with its history in a temporary directory.
type daemon struct {
	sched  *scheduler.Scheduler
	store  *history.Store
	client *sora.Client
	logs   *syncio.Buffer
	state  string // history database
	cancel context.CancelFunc
	done   chan error
}

// startDaemon writes the scripts and jobs.yaml ({{url}} replaced) into a
// temporary directory and starts the daemon.
func startDaemon(t *testing.T, url, jobsYAML string, scripts map[string]string) *daemon {
	t.Helper()
	return startDaemonEnv(t, url, jobsYAML, scripts, nil)
}

// startDaemonEnv is startDaemon with the environment of jobs.yaml's ${VAR}s.
func startDaemonEnv(t *testing.T, url, jobsYAML string, scripts map[string]string, env map[string]string) *daemon {
	t.Helper()
	dir := t.TempDir()
	for name, src := range scripts {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, "jobs.yaml")
	if err := os.WriteFile(path, []byte(strings.ReplaceAll(jobsYAML, "{{url}}", url)), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := jobs.Load(path, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	d := &daemon{logs: &syncio.Buffer{}, done: make(chan error, 1), state: filepath.Join(dir, "state.db")}
	logger := slog.New(slog.NewTextHandler(d.logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	metrics := metrics.New()
	headers := http.Header{}
	for k, v := range cfg.Sora.Headers {
		headers.Set(k, v)
	}
	d.client, err = sora.New(sora.Config{URL: cfg.Sora.URL, Timeout: cfg.Sora.Timeout, Attempts: cfg.Sora.Attempts(), Headers: headers,
		BackoffBase: time.Millisecond, BackoffMax: 5 * time.Millisecond, OnRequest: metrics.ObserveRequest})
	if err != nil {
		t.Fatal(err)
	}
	d.store, err = history.Open(d.state, history.Options{Keep: 1000})
	if err != nil {
		t.Fatal(err)
	}
	d.sched, err = scheduler.New(scheduler.Options{Config: cfg, Runner: engine.New(engine.Options{Client: d.client, Logger: logger}),
		History: d.store, Logger: logger, Metrics: metrics, ShutdownTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	d.cancel = cancel
	go func() { d.done <- d.sched.Run(ctx) }()
	t.Cleanup(func() {
		d.stop(t)
		if t.Failed() {
			t.Logf("daemon log:\n%s", d.logs.String())
		}
	})
	return d
}

// stop shuts the daemon down and closes its history (once).
func (d *daemon) stop(t testing.TB) {
	if d.cancel == nil {
		return
	}
	d.cancel()
	d.cancel = nil
	select {
	case err := <-d.done:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the daemon did not stop")
	}
	d.client.CloseIdleConnections()
	_ = d.store.Close()
}

// runs returns the recorded runs of job, oldest first.
func (d *daemon) runs(t testing.TB, job string) []history.Run {
	t.Helper()
	runs, err := d.store.List(context.Background(), job, 1000)
	if err != nil {
		t.Fatal(err)
	}
	for i, j := 0, len(runs)-1; i < j; i, j = i+1, j-1 {
		runs[i], runs[j] = runs[j], runs[i]
	}
	return runs
}

// byOutcome counts runs by outcome.
func byOutcome(runs []history.Run) map[history.Outcome]int {
	m := map[history.Outcome]int{}
	for _, r := range runs {
		m[r.Outcome]++
	}
	return m
}

// TestDaemonUnderFaults: one job's writes hang and another job only reads.
// The stuck job's runs end at their timeout and are recorded as such;
// the other job keeps running on time. Then the server goes away: runs
// fail with the reason, and the daemon keeps scheduling.
func TestDaemonUnderFaults(t *testing.T) {
	base := runtime.NumGoroutine()
	e, srv, ids := startEmulator(t, emulator.Faults{Rules: []emulator.FaultRule{{
		Targets: []string{"PutSignalingNotifyMetadataItem"}, Hang: true,
	}}}, 20)
	d := startDaemon(t, srv.URL, `
sora: {url: "{{url}}", timeout: 300ms, retries: 1}
jobs:
  - name: stuck
    schedule: "@every 1s"
    script: stuck.lua
    timeout: 700ms
  - name: tick
    schedule: "@every 1s"
    script: tick.lua
    args: {conn: `+ids[0]+`}
    timeout: 5s
`, map[string]string{
		"stuck.lua": setStatusScript,
		"tick.lua":  "local sora = require('sora')\nreturn assert(sora.get('sora', args.conn)).n\n",
	})
	// Wait for two timeouts of stuck; tick must have run on time meanwhile.
	var stuck, ticks []history.Run
	for deadline := time.Now().Add(20 * time.Second); ; {
		stuck, ticks = d.runs(t, "stuck"), d.runs(t, "tick")
		if byOutcome(stuck)[history.OutcomeTimeout] >= 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("stuck: %v, want 2 timeouts", byOutcome(stuck))
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Two seconds at least have passed: tick ran (on time) at least twice.
	if okTicks := byOutcome(ticks)[history.OutcomeOK]; okTicks < 2 {
		t.Errorf("tick: %v, want ok runs while stuck hangs", byOutcome(ticks))
	}
	for _, r := range stuck {
		if r.Outcome == history.OutcomeTimeout && !strings.HasSuffix(r.Error, "stuck.lua:2: timed out after 700ms") {
			t.Errorf("stuck run %d error %q", r.ID, r.Error)
		}
	}
	if has, _ := withKey(t, e, "status", "away"); len(has) != 0 {
		t.Errorf("%d connections written by hung requests", len(has))
	}

	// The server goes away: the next runs fail, saying why.
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	gone := time.Now()
	var failed int
	var after []history.Run // the tick runs started after the server left
	for deadline := time.Now().Add(20 * time.Second); failed < 2 && time.Now().Before(deadline); {
		time.Sleep(100 * time.Millisecond)
		failed, after = 0, nil
		for _, r := range d.runs(t, "tick") {
			if !r.Start.Before(gone) {
				after = append(after, r)
				if r.Outcome == history.OutcomeFailed && strings.Contains(r.Error, "connection refused") {
					failed++
				}
			}
		}
	}
	for _, r := range after {
		switch {
		case r.Outcome == history.OutcomeFailed && strings.Contains(r.Error, "connection refused"):
		case r.Outcome == history.OutcomeRunning:
		default:
			t.Errorf("tick run %d after the server left: %s %q", r.ID, r.Outcome, r.Error)
		}
	}
	if failed < 2 {
		t.Errorf("%d failed tick runs after the server left, want at least 2", failed)
	}
	jobs, err := d.sched.Jobs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range jobs {
		if j.Next.IsZero() || time.Until(j.Next) > 2*time.Second {
			t.Errorf("job %s: next run %v, want within the next second", j.Job.Name, j.Next)
		}
	}
	d.stop(t)
	for _, job := range []string{"stuck", "tick"} {
		for _, r := range d.runsAfterStop(t, job) {
			if r.Outcome == history.OutcomeRunning {
				t.Errorf("%s run %d still running after shutdown", job, r.ID)
			}
		}
	}
	settleGoroutines(t, base)
}

// runsAfterStop reads the history of a stopped daemon.
func (d *daemon) runsAfterStop(t testing.TB, job string) []history.Run {
	t.Helper()
	store, err := history.Open(d.state, history.Options{Keep: 1000})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	runs, err := store.List(context.Background(), job, 1000)
	if err != nil {
		t.Fatal(err)
	}
	return runs
}
