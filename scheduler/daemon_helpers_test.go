package scheduler

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/soracron/soracron/emulator"
	"github.com/soracron/soracron/engine"
	"github.com/soracron/soracron/internal/syncio"
	"github.com/soracron/soracron/jobs"
	"github.com/soracron/soracron/scheduler/history"
	"github.com/soracron/soracron/scheduler/metrics"
	"github.com/soracron/soracron/sora"
)

// epoch is where the fake clocks of the tests start (aligned on a minute,
// so that "@every 10s" fires at :10, :20, ...).
var epoch = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// harness is a daemon under test: a real emulator on 127.0.0.1, a real
// engine and real scripts, a real history database, and a fake clock.
type harness struct {
	t       *testing.T
	dir     string
	emu     *emulator.Emulator
	emuURL  string
	conn    string // connection id of the one connection of channel "sora"
	clock   *fakeClock
	store   *history.Store
	eng     *engine.Engine
	metrics *metrics.Metrics
	s       *Scheduler
	logs    *syncio.Buffer
	envv    map[string]string

	cancel  context.CancelFunc
	done    chan error
	stopped bool
}

type harnessOptions struct {
	soraURL  string // instead of the emulator
	wrap     func(*engine.Engine) Runner
	shutdown time.Duration
	env      map[string]string
	// handler wraps the handler of the daemon's logger (nil: none).
	handler func(slog.Handler) slog.Handler
}

// writeJobs writes jobs.yaml into dir with {{url}} and {{conn}} replaced.
func writeJobs(t testing.TB, dir, yaml, url, conn string) string {
	t.Helper()
	yaml = strings.NewReplacer("{{url}}", url, "{{conn}}", conn).Replace(yaml)
	path := filepath.Join(dir, "jobs.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// copyScripts copies testdata/daemon/*.lua into dir/scripts.
func copyScripts(t testing.TB, dir string) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "daemon", "*.lua"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no test scripts: %v", err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "scripts"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "scripts", filepath.Base(f)), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func (h *harness) load(yaml string) *jobs.Config {
	h.t.Helper()
	path := writeJobs(h.t, h.dir, yaml, h.emuURL, h.conn)
	cfg, err := jobs.Load(path, func(k string) (string, bool) { v, ok := h.envv[k]; return v, ok })
	if err != nil {
		h.t.Fatalf("jobs.yaml: %v", err)
	}
	return cfg
}

// newHarness starts a daemon of jobs yaml ({{url}} is the emulator's URL,
// {{conn}} the id of a connection of channel "sora" with empty metadata).
func newHarness(t *testing.T, yaml string, o harnessOptions) *harness {
	t.Helper()
	h := &harness{t: t, dir: t.TempDir(), clock: newFakeClock(epoch), logs: &syncio.Buffer{}}
	h.envv = o.env
	h.emu = emulator.New(emulator.Options{})
	srv, err := emulator.Start(h.emu, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	h.emuURL = srv.URL
	c, err := h.emu.AddConnection(emulator.Connection{ChannelID: "sora", Metadata: map[string]any{}})
	if err != nil {
		t.Fatal(err)
	}
	h.conn = c.ConnectionID
	copyScripts(t, h.dir)
	url := h.emuURL
	if o.soraURL != "" {
		url = o.soraURL
	}
	path := writeJobs(t, h.dir, yaml, url, h.conn)
	cfg, err := jobs.Load(path, func(k string) (string, bool) { v, ok := o.env[k]; return v, ok })
	if err != nil {
		t.Fatalf("jobs.yaml: %v", err)
	}

	var handler slog.Handler = slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug})
	if o.handler != nil {
		handler = o.handler(handler)
	}
	logger := slog.New(handler)
	h.metrics = metrics.New()
	client, err := sora.New(sora.Config{URL: cfg.Sora.URL, Timeout: cfg.Sora.Timeout, Attempts: cfg.Sora.Attempts(),
		OnRequest: h.metrics.ObserveRequest})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(client.CloseIdleConnections)
	h.eng = engine.New(engine.Options{Client: client, Logger: logger})
	var runner Runner = h.eng
	if o.wrap != nil {
		runner = o.wrap(h.eng)
	}
	h.store, err = history.Open(filepath.Join(h.dir, "state.db"), history.Options{Keep: cfg.HistoryKeep})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.store.Close() })
	h.s, err = New(Options{Config: cfg, Runner: runner, History: h.store, Logger: logger, Clock: h.clock,
		Metrics: h.metrics, ShutdownTimeout: o.shutdown})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel, h.done = cancel, make(chan error, 1)
	go func() { h.done <- h.s.Run(ctx) }()
	t.Cleanup(h.stop)
	h.clock.WaitTimers(t, 1) // the loop is asleep
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("daemon log:\n%s", h.logs.String())
		}
	})
	return h
}

// stop shuts the daemon down, advancing the clock past the shutdown
// timeout until Run returns.
func (h *harness) stop() {
	if h.stopped {
		return
	}
	h.stopped = true
	h.cancel()
	deadline := time.Now().Add(20 * time.Second)
	for {
		select {
		case err := <-h.done:
			if err != nil {
				h.t.Errorf("Run: %v", err)
			}
			return
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			h.t.Fatal("Run did not return after shutdown")
		}
		h.clock.Advance(time.Hour)
	}
}

// tick advances the fake clock by d once the schedule loop sleeps.
func (h *harness) tick(d time.Duration) {
	h.t.Helper()
	h.clock.WaitTimers(h.t, 1)
	h.clock.Advance(d)
}

// runs returns the runs of job, oldest first.
func (h *harness) runs(job string) []history.Run {
	h.t.Helper()
	runs, err := h.store.List(context.Background(), job, 0)
	if err != nil {
		h.t.Fatal(err)
	}
	sort.Slice(runs, func(i, j int) bool { return runs[i].ID < runs[j].ID })
	return runs
}

// count returns how many runs of job match cond.
func (h *harness) count(job string, cond func(history.Run) bool) int {
	n := 0
	for _, r := range h.runs(job) {
		if cond(r) {
			n++
		}
	}
	return n
}

// waitRuns waits until job has n runs matching cond and returns the runs.
func (h *harness) waitRuns(job string, n int, what string, cond func(history.Run) bool) []history.Run {
	h.t.Helper()
	waitFor(h.t, 15*time.Second, func() bool { return h.count(job, cond) >= n },
		"%d runs of %s that are %s (have %v)", n, job, what, lazyRuns{h, job})
	return h.runs(job)
}

type lazyRuns struct {
	h   *harness
	job string
}

func (l lazyRuns) String() string {
	runs, _ := l.h.store.List(context.Background(), l.job, 0)
	var b strings.Builder
	for _, r := range runs {
		b.WriteString(" #")
		b.WriteString(strings.TrimSpace(strings.Join([]string{strconv.FormatInt(r.ID, 10), string(r.Outcome), r.Error}, " ")))
	}
	return b.String()
}

func finished(r history.Run) bool { return r.Outcome != history.OutcomeRunning }

func outcomeIs(o history.Outcome) func(history.Run) bool {
	return func(r history.Run) bool { return r.Outcome == o }
}

// metadata returns the metadata of the harness's connection.
func (h *harness) metadata() map[string]any {
	h.t.Helper()
	md, ok := h.emu.Metadata("sora", h.conn)
	if !ok {
		h.t.Fatal("connection is gone")
	}
	return md
}

// panicRunner panics in the runs of the job whose script is named panicky.
type panicRunner struct {
	*engine.Engine
}

var errPanicTest = errors.New("panic test")

func (r panicRunner) Run(ctx context.Context, req engine.Request) (*engine.Result, error) {
	if filepath.Base(req.Script) == "fail.lua" && req.Args["panic"] == true {
		panic(errPanicTest)
	}
	return r.Engine.Run(ctx, req)
}

// counterValue returns the value of the counter or gauge name{label=value}
// (0 if absent); an empty label matches the unlabelled series.
func counterValue(t testing.TB, m *metrics.Metrics, name, label, value string) float64 {
	t.Helper()
	mfs, err := m.Gatherer().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, mt := range mf.GetMetric() {
			match := label == "" && len(mt.GetLabel()) == 0
			for _, l := range mt.GetLabel() {
				match = match || l.GetName() == label && l.GetValue() == value
			}
			if match {
				if mt.GetGauge() != nil {
					return mt.GetGauge().GetValue()
				}
				return mt.GetCounter().GetValue()
			}
		}
	}
	return 0
}
