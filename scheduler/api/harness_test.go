package api

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/soracron/soracron/emulator"
	"github.com/soracron/soracron/engine"
	"github.com/soracron/soracron/internal/clocktest"
	"github.com/soracron/soracron/internal/syncio"
	"github.com/soracron/soracron/jobs"
	"github.com/soracron/soracron/scheduler"
	"github.com/soracron/soracron/scheduler/clock"
	"github.com/soracron/soracron/scheduler/history"
	"github.com/soracron/soracron/scheduler/metrics"
	"github.com/soracron/soracron/sora"
)

// epoch is where the fake clock of the tests starts (aligned on a minute,
// so that "@every 10s" fires at :10, :20, ...).
var epoch = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

const jobsHeader = `
sora: {url: "{{url}}"}
timezone: UTC
`

// harness is a daemon under test: a real emulator on 127.0.0.1, a real
// engine running the scripts of testdata, a real history database, and a
// fake clock.
type harness struct {
	t     *testing.T
	clock *fakeClock
	store *history.Store
	s     *scheduler.Scheduler
	logs  *syncio.Buffer
}

// newHarness starts a daemon of jobs yaml ({{url}} is the emulator's URL,
// {{conn}} the id of a connection of channel "sora" with empty metadata).
func newHarness(t *testing.T, yaml string) *harness {
	t.Helper()
	dir := t.TempDir()
	h := &harness{t: t, clock: &fakeClock{clocktest.New(epoch)}, logs: &syncio.Buffer{}}
	emu := emulator.New(emulator.Options{})
	srv, err := emulator.Start(emu, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	c, err := emu.AddConnection(emulator.Connection{ChannelID: "sora", Metadata: map[string]any{}})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "scripts"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"stamp.lua", "sleep.lua"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "scripts", name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	yaml = strings.NewReplacer("{{url}}", srv.URL, "{{conn}}", c.ConnectionID).Replace(yaml)
	path := filepath.Join(dir, "jobs.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := jobs.Load(path, func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatalf("jobs.yaml: %v", err)
	}

	logger := slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	metrics := metrics.New()
	client, err := sora.New(sora.Config{URL: cfg.Sora.URL, Timeout: cfg.Sora.Timeout, Attempts: cfg.Sora.Attempts(),
		OnRequest: metrics.ObserveRequest})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(client.CloseIdleConnections)
	h.store, err = history.Open(filepath.Join(dir, "state.db"), history.Options{Keep: cfg.HistoryKeep})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.store.Close() })
	h.s, err = scheduler.New(scheduler.Options{Config: cfg, Runner: engine.New(engine.Options{Client: client, Logger: logger}),
		History: h.store, Logger: logger, Clock: h.clock, Metrics: metrics})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.s.Run(ctx) }()
	t.Cleanup(func() {
		// Shut down, advancing the clock past the shutdown timeout.
		cancel()
		deadline := time.Now().Add(20 * time.Second)
		for {
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Run: %v", err)
				}
				return
			case <-time.After(10 * time.Millisecond):
			}
			if time.Now().After(deadline) {
				t.Fatal("Run did not return after shutdown")
			}
			h.clock.Advance(time.Hour)
		}
	})
	h.clock.WaitTimers(t, 1) // the loop is asleep
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("daemon log:\n%s", h.logs.String())
		}
	})
	return h
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

// waitRuns waits until job has n runs matching cond.
func (h *harness) waitRuns(job string, n int, what string, cond func(history.Run) bool) {
	h.t.Helper()
	count := func() int {
		k := 0
		for _, r := range h.runs(job) {
			if cond(r) {
				k++
			}
		}
		return k
	}
	waitFor(h.t, 15*time.Second, func() bool { return count() >= n }, "%d runs of %s that are %s", n, job, what)
}

func outcomeIs(o history.Outcome) func(history.Run) bool {
	return func(r history.Run) bool { return r.Outcome == o }
}

// fakeClock is the shared fake clock as a clock.Clock: its time only
// moves with Advance.
type fakeClock struct{ *clocktest.Clock }

// NewTimer returns a timer of the fake clock as a clock.Timer.
func (c *fakeClock) NewTimer(d time.Duration) clock.Timer { return c.Clock.NewTimer(d) }

// waitFor polls cond until it holds or timeout passes.
func waitFor(t testing.TB, timeout time.Duration, cond func() bool, format string, args ...any) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for: "+format, append([]any{timeout}, args...)...)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
