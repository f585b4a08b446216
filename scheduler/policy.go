package scheduler

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/soracron/soracron/jobs"
	"github.com/soracron/soracron/scheduler/cluster"
	"github.com/soracron/soracron/scheduler/history"
)

// skipRecord is a scheduled run skipped by the forbid policy.
type skipRecord struct {
	job       *jobs.Job
	trigger   string
	scheduled time.Time
	runningID int64 // the run still running, 0 if not known yet
	// unknown are the running chains whose first attempt had no id yet:
	// the record waits for their ids.
	unknown []*chain
	node    string // cluster mode: the replica running the job
}

// startLocked applies the job's concurrency policy and prepares a chain
// (or a skip record) in l. s.mu is held. For scheduled runs that are
// skipped it returns (nil, ErrConflict). claim is the run's claim in
// cluster mode (nil otherwise): the cluster applied forbid already, and
// the chain's context ends with the claim's.
func (s *Scheduler) startLocked(js *jobState, trigger string, scheduled time.Time, claim *cluster.Claim, l *launch) (*chain, error) {
	if s.stopping {
		return nil, ErrShuttingDown
	}
	j := js.job
	var preds []*chain
	if n := len(js.running); n > 0 && (claim == nil || j.ConcurrencyPolicy != jobs.Forbid) {
		switch j.ConcurrencyPolicy {
		case jobs.Allow:
		case jobs.Replace:
			for c := range js.running {
				c.cancel(errReplaced)
				preds = append(preds, c)
			}
			s.log.Info("cancelling the running run (concurrency_policy: replace)", slog.String(keyJob, j.Name),
				slog.Int(keyRunning, n))
		default: // Forbid
			if trigger == history.TriggerSchedule || trigger == history.TriggerEvent {
				sk := s.skipLocked(js, scheduled)
				sk.trigger = trigger
				l.skips = append(l.skips, sk)
			}
			return nil, ErrConflict
		}
	}
	ctx, cancel := context.WithCancelCause(s.runsCtx)
	c := &chain{dispatched: s.clock.Now(),
		js: js, job: j, script: js.script, trigger: trigger, scheduled: scheduled,
		ctx: ctx, cancel: cancel, done: make(chan struct{}),
		first: make(chan beginResult, 1), began: make(chan struct{}), preds: preds, claim: claim,
	}
	if claim != nil {
		context.AfterFunc(claim.Context(), func() { cancel(context.Cause(claim.Context())) })
	}
	js.running[c] = struct{}{}
	s.gate.Add()
	s.active++
	s.metrics.Running.Inc()
	s.wg.Add(1)
	l.chains = append(l.chains, c)
	return c, nil
}

// skipLocked counts a scheduled run skipped by the forbid policy and
// returns its record. s.mu is held.
func (s *Scheduler) skipLocked(js *jobState, scheduled time.Time) skipRecord {
	sk := skipRecord{job: js.job, scheduled: scheduled}
	for c := range js.running {
		if id := c.RunID(); id > 0 {
			sk.runningID = max(sk.runningID, id)
		} else {
			sk.unknown = append(sk.unknown, c)
		}
	}
	s.metrics.Skipped.WithLabelValues(sk.job.Name).Inc()
	s.metrics.Runs.WithLabelValues(sk.job.Name, string(history.OutcomeSkipped)).Inc()
	s.wg.Add(1)
	return sk
}

// recordSkip records a skipped run in the history.
func (s *Scheduler) recordSkip(sk skipRecord) {
	defer s.wg.Done()
	j := sk.job
	for _, c := range sk.unknown {
		// The history row of the running run is being created
		// concurrently with its start: name it once it exists.
		select {
		case <-c.began:
		case <-c.done:
		}
		sk.runningID = max(sk.runningID, c.RunID())
	}
	msg := "skipped: the previous run is still running (concurrency_policy: forbid)"
	switch {
	case sk.node != "":
		msg = fmt.Sprintf("skipped: the job is running on node %s (concurrency_policy: forbid)", sk.node)
	case sk.runningID > 0:
		msg = fmt.Sprintf("skipped: run %d is still running (concurrency_policy: forbid)", sk.runningID)
	}
	s.gate.Wait()
	id, err := s.store.Skip(context.Background(), history.Run{
		Job: j.Name, Trigger: sk.trigger, Attempt: 1, Scheduled: sk.scheduled,
		Start: s.clock.Now(), Error: msg, DryRun: j.DryRun,
	})
	if err != nil {
		s.log.Error("cannot record a skipped run", slog.String(keyJob, j.Name), slog.Any(keyError, err))
		return
	}
	s.log.Info("run skipped: the previous run is still running (concurrency_policy: forbid)",
		slog.String(keyJob, j.Name), slog.Int64(keyRunID, id), slog.Int64(keyRunningID, sk.runningID))
}
