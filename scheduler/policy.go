package scheduler

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/soracron/soracron/scheduler/history"
)

// chain is one triggering of a job: its first attempt and its retries.
// While a chain is in progress (running or waiting for a retry's backoff)
// it counts as running for the job's concurrency policy.
type chain struct {
	js        *jobState
	job       *Job // the job's configuration when the chain started
	trigger   string
	scheduled time.Time
	ctx       context.Context
	cancel    context.CancelCauseFunc
	done      chan struct{} // closed when the chain has ended and is recorded
	// first receives the id of the first attempt (or the error that kept
	// it from starting); buffered.
	first chan beginResult
	// preds are the chains this one replaced: it waits for them to end
	// before its script starts.
	preds []*chain

	dispatched time.Time // when the policy let it start
	// started says whether the chain has left the start gate.
	started sync.Once

	mu    sync.Mutex
	runID int64 // id of the current attempt
}

// leaveGate counts the chain as started (once).
func (c *chain) leaveGate(g *startGate) { c.started.Do(g.done) }

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

// Trigger starts a run of the job name now, on demand (trigger manual),
// honouring its concurrency policy, and returns the run id once the run is
// recorded. A disabled job can be triggered. Errors: ErrUnknownJob,
// ErrConflict (policy forbid and a run in progress), ErrShuttingDown, or a
// history error.
func (s *Scheduler) Trigger(ctx context.Context, name string) (int64, error) {
	s.mu.Lock()
	js := s.jobs[name]
	if js == nil || js.job == nil {
		s.mu.Unlock()
		return 0, fmt.Errorf("%w %q", ErrUnknownJob, name)
	}
	var l launch
	c, err := s.startLocked(js, history.TriggerManual, time.Time{}, &l)
	s.mu.Unlock()
	l.start(s)
	if err != nil {
		return 0, err
	}
	select {
	case r := <-c.first:
		return r.id, r.err
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// launch is the work decided under s.mu, started once it is released (so
// that the goroutines started do not compete with the decisions).
type launch struct {
	chains []*chain
	skips  []skipRecord
}

// start starts the chains and records the skips, in the background.
func (l *launch) start(s *Scheduler) {
	for _, c := range l.chains {
		go s.runChain(c)
	}
	if len(l.chains) > 0 {
		s.kickPrewarm(len(l.chains)) // replace the sandboxes these runs take
	}
	for _, sk := range l.skips {
		go s.recordSkip(sk)
	}
}

// skipRecord is a scheduled run skipped by the forbid policy.
type skipRecord struct {
	job       *Job
	scheduled time.Time
	runningID int64 // the run still running, 0 if not known yet
}

// startLocked applies the job's concurrency policy and prepares a chain
// (or a skip record) in l. s.mu is held. For scheduled runs that are
// skipped it returns (nil, ErrConflict).
func (s *Scheduler) startLocked(js *jobState, trigger string, scheduled time.Time, l *launch) (*chain, error) {
	if s.stopping {
		return nil, ErrShuttingDown
	}
	j := js.job
	var preds []*chain
	if n := len(js.running); n > 0 {
		switch j.ConcurrencyPolicy {
		case Allow:
		case Replace:
			for c := range js.running {
				c.cancel(errReplaced)
				preds = append(preds, c)
			}
			s.log.Info("cancelling the running run (concurrency_policy: replace)", slog.String(keyJob, j.Name),
				slog.Int(keyRunning, n))
		default: // Forbid
			if trigger == history.TriggerSchedule {
				l.skips = append(l.skips, s.skipLocked(js, scheduled))
			}
			return nil, ErrConflict
		}
	}
	ctx, cancel := context.WithCancelCause(s.runsCtx)
	c := &chain{dispatched: s.clock.Now(),
		js: js, job: j, trigger: trigger, scheduled: scheduled,
		ctx: ctx, cancel: cancel, done: make(chan struct{}),
		first: make(chan beginResult, 1), preds: preds,
	}
	js.running[c] = struct{}{}
	s.gate.add()
	s.active++
	s.metrics.running.Inc()
	s.wg.Add(1)
	l.chains = append(l.chains, c)
	return c, nil
}

// skipLocked counts a scheduled run skipped by the forbid policy and
// returns its record. s.mu is held.
func (s *Scheduler) skipLocked(js *jobState, scheduled time.Time) skipRecord {
	sk := skipRecord{job: js.job, scheduled: scheduled}
	for c := range js.running {
		sk.runningID = max(sk.runningID, c.RunID())
	}
	s.metrics.skipped.WithLabelValues(sk.job.Name).Inc()
	s.metrics.runs.WithLabelValues(sk.job.Name, string(history.OutcomeSkipped)).Inc()
	s.wg.Add(1)
	return sk
}

// recordSkip records a skipped run in the history.
func (s *Scheduler) recordSkip(sk skipRecord) {
	defer s.wg.Done()
	j := sk.job
	msg := "skipped: the previous run is still running (concurrency_policy: forbid)"
	if sk.runningID > 0 {
		msg = fmt.Sprintf("skipped: run %d is still running (concurrency_policy: forbid)", sk.runningID)
	}
	s.gate.wait()
	id, err := s.store.Skip(context.Background(), history.Run{
		Job: j.Name, Trigger: history.TriggerSchedule, Attempt: 1, Scheduled: sk.scheduled,
		Start: s.clock.Now(), Error: msg, DryRun: j.DryRun,
	})
	if err != nil {
		s.log.Error("cannot record a skipped run", slog.String(keyJob, j.Name), slog.Any(keyError, err))
		return
	}
	s.log.Info("run skipped: the previous run is still running (concurrency_policy: forbid)",
		slog.String(keyJob, j.Name), slog.Int64(keyRunID, id), slog.Int64(keyRunningID, sk.runningID))
}

// release removes an ended chain from its job.
func (s *Scheduler) release(c *chain) {
	c.leaveGate(s.gate)
	s.mu.Lock()
	delete(c.js.running, c)
	if c.js.job == nil && len(c.js.running) == 0 && s.jobs[c.js.name] == c.js {
		delete(s.jobs, c.js.name)
	}
	s.active--
	s.mu.Unlock()
	s.metrics.running.Dec()
	c.cancel(nil)
	close(c.done)
}
