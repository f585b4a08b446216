package scheduler

import (
	"context"
	"sync"
	"time"

	"github.com/soracron/soracron/engine"
	"github.com/soracron/soracron/jobs"
	"github.com/soracron/soracron/scheduler/burst"
	"github.com/soracron/soracron/scheduler/cluster"
	"github.com/soracron/soracron/scheduler/history"
)

// chain is one triggering of a job: its first attempt and its retries.
// While a chain is in progress (running or waiting for a retry's backoff)
// it counts as running for the job's concurrency policy.
type chain struct {
	js        *jobState
	job       *jobs.Job      // the job's configuration when the chain started
	script    *engine.Script // the job's pinned script when the chain started (nil: read at each run)
	trigger   string
	scheduled time.Time
	// args are merged over the job's args; dryRun forces a dry run
	// (manual runs with options).
	args   map[string]any
	dryRun bool
	event  map[string]any // the event of an event-triggered run; nil otherwise
	ctx    context.Context
	cancel context.CancelCauseFunc
	done   chan struct{} // closed when the chain has ended and is recorded
	// first receives the id of the first attempt (or the error that kept
	// it from starting); buffered.
	first chan beginResult
	// began is closed once the first attempt's history row is created
	// (or failed to be).
	began chan struct{}
	// preds are the chains this one replaced: it waits for them to end
	// before its script starts.
	preds []*chain

	// claim is the chain's claim in cluster mode (nil otherwise); it is
	// finished with the outcome of the last attempt (final).
	claim *cluster.Claim
	final history.Run

	dispatched time.Time // when the policy let it start
	// lastRec is the record of its newest attempt (ID 0 if none was
	// recorded), for its notifications.
	lastRec history.Run
	// started says whether the chain has left the start gate.
	started sync.Once
	// retired says whether the chain stopped counting as running.
	retired sync.Once

	mu    sync.Mutex
	runID int64 // id of the current attempt
}

// runArgs returns the args of a run of the chain: the job's, with the
// chain's merged over them.
func (c *chain) runArgs() map[string]any {
	a := c.job.CopyArgs()
	if len(c.args) > 0 && a == nil {
		a = make(map[string]any, len(c.args))
	}
	for k, v := range c.args {
		a[k] = v
	}
	return a
}

// isDryRun reports whether the chain's runs are dry runs.
func (c *chain) isDryRun() bool { return c.job.DryRun || c.dryRun }

// leaveGate counts the chain as started (once).
func (c *chain) leaveGate(g *burst.Gate) { c.started.Do(g.Done) }

type beginResult struct {
	id  int64
	err error
}

func (c *chain) setRunID(id int64) {
	c.mu.Lock()
	c.runID = id
	c.mu.Unlock()
}

// RunID returns the id of the chain's current attempt (0 before the first).
func (c *chain) RunID() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.runID
}

// retire stops counting the chain as running, once: the concurrency
// policy, Jobs and Health no longer see it, and in cluster mode its claim
// is finished (its running key, which the cluster's forbid consults, goes).
// The last attempt of a chain retires it before its end becomes visible
// (the "run finished" log line, the history row, the metrics, the change),
// so whoever sees a run finished can start the job's next run at once.
func (s *Scheduler) retire(c *chain) {
	c.retired.Do(func() {
		s.finishClaim(c)
		s.mu.Lock()
		delete(c.js.running, c)
		if c.js.job == nil && len(c.js.running) == 0 && s.jobs[c.js.name] == c.js {
			delete(s.jobs, c.js.name)
		}
		s.active--
		s.mu.Unlock()
		s.metrics.Running.Dec()
	})
}

// release ends a chain: it retires it if its last attempt did not (a
// retry abandoned, a run not recorded, a panic), cancels its context and
// closes done.
func (s *Scheduler) release(c *chain) {
	c.leaveGate(s.gate)
	s.retire(c)
	c.cancel(nil)
	close(c.done)
}
