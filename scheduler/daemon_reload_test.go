package scheduler

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/soracron/soracron/jobs"
	"github.com/soracron/soracron/scheduler/history"
)

func TestDaemonReload(t *testing.T) {
	const before = jobsHeader + `
jobs:
  - name: keep
    schedule: "@every 10s"
    script: scripts/one.lua
  - name: slow
    schedule: "@every 10s"
    script: scripts/sleep.lua
    args: {seconds: 0.5}
  - name: move
    schedule: "@every 10s"
    script: scripts/one.lua
`
	t.Run("a valid configuration applies; running runs are undisturbed", func(t *testing.T) {
		h := newHarness(t, before, harnessOptions{})
		h.tick(10 * time.Second)
		h.waitRuns("slow", 1, "running", outcomeIs(history.OutcomeRunning))
		h.waitRuns("keep", 1, "ok", outcomeIs(history.OutcomeOK))

		err := h.s.Reload(h.load(jobsHeader + `
jobs:
  - name: keep
    schedule: "@every 10s"
    script: scripts/one.lua
  - name: move
    schedule: "@every 30s"
    script: scripts/one.lua
  - name: new
    schedule: "@every 10s"
    script: scripts/one.lua
`))
		if err != nil {
			t.Fatal(err)
		}
		// The run of the removed job finishes normally.
		h.waitRuns("slow", 1, "ok", outcomeIs(history.OutcomeOK))
		h.tick(10 * time.Second) // :20
		h.waitRuns("new", 1, "ok", outcomeIs(history.OutcomeOK))
		h.waitRuns("keep", 2, "ok", outcomeIs(history.OutcomeOK))
		h.tick(10 * time.Second) // :30
		h.waitRuns("keep", 3, "ok", outcomeIs(history.OutcomeOK))
		// "@every 30s" counts from the reload (at :10).
		h.tick(10 * time.Second) // :40
		h.waitRuns("move", 2, "ok", outcomeIs(history.OutcomeOK))
		h.waitRuns("keep", 4, "ok", outcomeIs(history.OutcomeOK))
		time.Sleep(50 * time.Millisecond)
		if n := len(h.runs("slow")); n != 1 {
			t.Errorf("removed job ran %d times, want 1 (before the reload)", n)
		}
		move := h.runs("move")
		if len(move) != 2 || !move[1].Scheduled.Equal(epoch.Add(40*time.Second)) {
			t.Errorf("rescheduled job runs = %v, want the second at :40", lazyRuns{h, "move"})
		}
		jobs, err := h.s.Jobs(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, j := range jobs {
			names = append(names, j.Job.Name)
		}
		if got := strings.Join(names, ","); got != "keep,move,new" {
			t.Errorf("jobs = %s", got)
		}
	})

	t.Run("a script that does not compile keeps the old jobs", func(t *testing.T) {
		h := newHarness(t, before, harnessOptions{})
		err := h.s.Reload(h.load(jobsHeader + `
jobs:
  - name: keep
    schedule: "@every 10s"
    script: scripts/one.lua
  - name: broken
    schedule: "@every 10s"
    script: scripts/broken.lua
`))
		if err == nil || !strings.Contains(err.Error(), "broken.lua:2") {
			t.Fatalf("Reload = %v, want a syntax error at broken.lua:2", err)
		}
		h.tick(10 * time.Second)
		h.waitRuns("move", 1, "ok", outcomeIs(history.OutcomeOK))
		h.waitRuns("keep", 1, "ok", outcomeIs(history.OutcomeOK))
		if n := len(h.runs("broken")); n != 0 {
			t.Errorf("job of the refused configuration ran %d times", n)
		}
		if got := counterValue(t, h.metrics, "soracron_config_reloads_total", "result", "error"); got != 1 {
			t.Errorf("soracron_config_reloads_total{result=error} = %v, want 1", got)
		}
		if got := counterValue(t, h.metrics, "soracron_config_last_reload_failed", "", ""); got != 1 {
			t.Errorf("soracron_config_last_reload_failed = %v, want 1", got)
		}
	})

	t.Run("a changed cluster section is not applied; the rest is", func(t *testing.T) {
		h := newHarness(t, before, harnessOptions{})
		cfg := h.load(jobsHeader + `
cluster: {endpoints: [127.0.0.1:2379], prefix: other/, session_ttl: 20s}
jobs:
  - name: keep
    schedule: "@every 10s"
    script: scripts/one.lua
  - name: new
    schedule: "@every 10s"
    script: scripts/one.lua
`)
		if err := h.s.Reload(cfg); err != nil {
			t.Fatal(err)
		}
		if c := h.s.config().Cluster; c != nil {
			t.Errorf("cluster section in use after the reload: %+v, want none (as at start)", c)
		}
		if cfg.Cluster == nil || cfg.Cluster.Prefix != "other/" {
			t.Errorf("Reload changed the caller's configuration: %+v", cfg.Cluster)
		}
		logs := h.logs.String()
		if !strings.Contains(logs, "the cluster section changed: not applied") ||
			!strings.Contains(logs, "changed=\"[endpoints prefix session_ttl]\"") {
			t.Errorf("the log does not name the changed keys of the cluster section:\n%s", logs)
		}
		h.tick(10 * time.Second)
		h.waitRuns("new", 1, "ok", outcomeIs(history.OutcomeOK))
	})

	t.Run("an invalid jobs.yaml is refused by Load", func(t *testing.T) {
		h := newHarness(t, before, harnessOptions{})
		path := writeJobs(t, h.dir, "sora: {url: x}\njobs: 3\n", "", "")
		if _, err := jobs.Load(path, nil); err == nil {
			t.Fatal("Load accepted an invalid file")
		}
		// The daemon keeps running its jobs.
		h.tick(10 * time.Second)
		h.waitRuns("keep", 1, "ok", outcomeIs(history.OutcomeOK))
	})
}

func TestDaemonShutdown(t *testing.T) {
	const jobs = jobsHeader + `
jobs:
  - name: slow
    schedule: "@every 10s"
    script: scripts/sleep.lua
    args: {seconds: 0.3}
  - name: stuck
    schedule: "@every 10s"
    script: scripts/sleep.lua
    args: {seconds: 600}
`
	h := newHarness(t, jobs, harnessOptions{shutdown: 30 * time.Second})
	h.tick(10 * time.Second)
	h.waitRuns("slow", 1, "running", outcomeIs(history.OutcomeRunning))
	h.waitRuns("stuck", 1, "running", outcomeIs(history.OutcomeRunning))
	h.stopped = true
	h.cancel()
	// The run that ends within the shutdown timeout completes normally.
	h.waitRuns("slow", 1, "ok", outcomeIs(history.OutcomeOK))
	select {
	case err := <-h.done:
		t.Fatalf("Run returned (%v) before the shutdown timeout", err)
	case <-time.After(100 * time.Millisecond):
	}
	// New runs are refused while shutting down.
	if _, err := h.s.Trigger(context.Background(), "slow"); err != ErrShuttingDown {
		t.Errorf("Trigger while shutting down: %v", err)
	}
	h.clock.WaitTimers(t, 1)
	h.clock.Advance(30 * time.Second)
	select {
	case err := <-h.done:
		if err != nil {
			t.Fatalf("Run = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after the shutdown timeout")
	}
	r := h.runs("stuck")
	if len(r) != 1 || r[0].Outcome != history.OutcomeCancelled || !strings.Contains(r[0].Error, "shutting down") {
		t.Errorf("stuck run = %v, want cancelled by the shutdown", lazyRuns{h, "stuck"})
	}
	if n := len(h.runs("slow")); n != 1 {
		t.Errorf("%d runs of slow, want 1", n)
	}
}
