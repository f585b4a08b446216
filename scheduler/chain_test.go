package scheduler

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/soracron/soracron/jobs"
	"github.com/soracron/soracron/scheduler/fanout"
	"github.com/soracron/soracron/scheduler/history"
)

// onFinished is a log handler that calls f, once, in the goroutine of the
// run whose "run finished" line it sees: at the first moment the end of
// the run is visible, before its history row is finished.
type onFinished struct {
	slog.Handler
	once *sync.Once
	f    func()
}

func (h onFinished) Handle(ctx context.Context, r slog.Record) error {
	if r.Message == "run finished" {
		h.once.Do(h.f)
	}
	return h.Handler.Handle(ctx, r)
}

func (h onFinished) WithAttrs(attrs []slog.Attr) slog.Handler {
	return onFinished{Handler: h.Handler.WithAttrs(attrs), once: h.once, f: h.f}
}

func (h onFinished) WithGroup(name string) slog.Handler {
	return onFinished{Handler: h.Handler.WithGroup(name), once: h.once, f: h.f}
}

// TestChainRetiredBeforeRunVisible pins the order of the end of a chain:
// a run seen finished (its log line, its history row, its change) no
// longer counts as running, so the job's next run starts at once under
// every concurrency policy (forbid used to refuse it, replace to cancel
// the ended run, until the chain was released a moment later).
func TestChainRetiredBeforeRunVisible(t *testing.T) {
	for _, policy := range []jobs.Policy{jobs.Forbid, jobs.Replace, jobs.Allow} {
		t.Run(string(policy), func(t *testing.T) {
			type seen struct {
				running int
				next    int64
				err     error
			}
			var s atomic.Pointer[Scheduler]
			at := make(chan seen, 1)
			wrap := func(h slog.Handler) slog.Handler {
				return onFinished{Handler: h, once: &sync.Once{}, f: func() {
					js, err := s.Load().Jobs(context.Background())
					if err != nil {
						at <- seen{err: err}
						return
					}
					next, err := s.Load().Trigger(context.Background(), "stamp")
					at <- seen{running: js[0].Running, next: next, err: err}
				}}
			}
			h := newHarness(t, jobsHeader+`
jobs:
  - name: stamp
    schedule: "0 0 1 1 *"
    script: scripts/stamp.lua
    args: {channel_id: sora, connection_id: "{{conn}}"}
    concurrency_policy: `+string(policy)+`
`, harnessOptions{handler: wrap})
			s.Store(h.s)
			first, err := h.s.Trigger(context.Background(), "stamp")
			if err != nil {
				t.Fatal(err)
			}
			var got seen
			select {
			case got = <-at:
			case <-time.After(15 * time.Second):
				t.Fatal("no run finished")
			}
			if got.err != nil || got.running != 0 {
				t.Fatalf("at the end of run %d: running = %d, Trigger: %v; want 0 running and a new run", first, got.running, got.err)
			}
			runs := h.waitRuns("stamp", 2, "ok", outcomeIs(history.OutcomeOK))
			if runs[1].ID != got.next {
				t.Errorf("runs = %+v, want the second to be run %d", runs, got.next)
			}
			for _, r := range runs {
				if r.Outcome != history.OutcomeOK {
					t.Errorf("run %d: %s %q", r.ID, r.Outcome, r.Error)
				}
			}
		})
	}
}

// TestTriggerAfterRunFinishedChange triggers a forbid job again as soon as
// its run's fanout.ChangeRunFinished arrives, a few times: never ErrConflict.
func TestTriggerAfterRunFinishedChange(t *testing.T) {
	h := newHarness(t, jobsHeader+`
jobs:
  - name: stamp
    schedule: "0 0 1 1 *"
    script: scripts/stamp.lua
    args: {channel_id: sora, connection_id: "{{conn}}"}
`, harnessOptions{})
	sub := h.s.Subscribe()
	defer sub.Close()
	const n = 10
	for i := range n {
		id, err := h.s.Trigger(context.Background(), "stamp")
		if err != nil {
			t.Fatalf("trigger %d: %v", i+1, err)
		}
		timeout := time.After(15 * time.Second)
	wait:
		for {
			select {
			case ch := <-sub.C:
				if ch.Kind == fanout.ChangeRunFinished && ch.RunID == id {
					if ch.Outcome != history.OutcomeOK {
						t.Fatalf("run %d: %s", id, ch.Outcome)
					}
					break wait
				}
			case <-timeout:
				t.Fatalf("run %d: no fanout.ChangeRunFinished", id)
			}
		}
	}
	h.waitRuns("stamp", n, "ok", outcomeIs(history.OutcomeOK))
	if _, err := h.s.Trigger(context.Background(), "stamp"); errors.Is(err, ErrConflict) {
		t.Fatal("the last run is seen finished but still counts as running")
	} else if err != nil {
		t.Fatal(err)
	}
	h.waitRuns("stamp", n+1, "ok", outcomeIs(history.OutcomeOK))
}
