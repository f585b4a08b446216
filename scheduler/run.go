package scheduler

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync/atomic"
	"time"

	"github.com/soracron/soracron/engine"
	"github.com/soracron/soracron/jobs"
	"github.com/soracron/soracron/scheduler/attempt"
	"github.com/soracron/soracron/scheduler/clock"
	"github.com/soracron/soracron/scheduler/fanout"
	"github.com/soracron/soracron/scheduler/history"
	"github.com/soracron/soracron/scheduler/runlog"
)

// runChain runs the attempts of a chain, with the job's retries.
func (s *Scheduler) runChain(c *chain) {
	defer s.wg.Done()
	defer s.release(c)
	defer func() {
		// Bugs of our own must not take the daemon down either.
		if r := recover(); r != nil {
			s.log.Error("internal error in a run", slog.String(keyJob, c.job.Name),
				slog.Any(keyPanic, r), slog.String(keyStack, string(debug.Stack())))
			select {
			case c.first <- beginResult{err: fmt.Errorf("internal error: %v", r)}:
			default:
			}
		}
	}()
	j := c.job
	// The chain's final outcome is notified (not each retry's).
	defer func() {
		if c.lastRec.ID > 0 {
			s.notifyOutcome(c.js, j, c.lastRec)
		}
	}()
	for attempt := 1; ; attempt++ {
		outcome, runErr := s.attempt(c, attempt)
		if !shouldRetry(j, attempt, outcome, runErr) {
			return
		}
		s.log.Info("retrying the failed run", slog.String(keyJob, j.Name), slog.Int64(keyRunID, c.RunID()),
			slog.String(keyOutcome, string(outcome)), slog.Int(keyAttempt, attempt+1),
			slog.Int(keyMaxAttempts, j.Retries.Max+1), slog.Duration(keyBackoff, j.Retries.Backoff))
		if !clock.Sleep(s.clock, j.Retries.Backoff, c.ctx.Done(), s.stop) {
			s.log.Info("retry abandoned", slog.String(keyJob, j.Name), slog.Int64(keyRunID, c.RunID()),
				slog.String(keyReason, stopReason(c.ctx, s.stop)))
			return
		}
	}
}

// shouldRetry reports whether attempt (counted from 1) of j, which ended
// with outcome and err, is followed by another (attempt.Retry): never
// when the run could not be recorded.
func shouldRetry(j *jobs.Job, n int, outcome history.Outcome, err error) bool {
	return !errors.Is(err, ErrNotRecorded) && attempt.Retry(j, n, outcome, err)
}

// ErrNotRecorded: the history could not record the run (e.g. the state's
// disk is full), so it did not start.
var ErrNotRecorded = errors.New("the run could not be recorded, so it did not start")

func stopReason(ctx context.Context, stop <-chan struct{}) string {
	if err := context.Cause(ctx); err != nil {
		return err.Error()
	}
	select {
	case <-stop:
		return "daemon shutting down"
	default:
	}
	return ""
}

// nodeName is the cluster node name of the daemon, empty in single-node
// mode (the module run's run.node).
func (s *Scheduler) nodeName() string {
	if s.cl == nil {
		return ""
	}
	return s.cl.Node()
}

// attempt records and runs one attempt; it returns its outcome and error.
//
// The script starts at once: the history row is created concurrently
// (Begin), so that a burst of due runs does not wait in line for the
// database; log records that come before the row exists wait for its id.
//
// The start delay of a scheduled run (the metric
// soracron_run_start_delay_seconds) is the time from its scheduled time to
// the moment its script starts executing: the runner's Request.OnStart,
// which the engine calls once the run's sandbox is complete, just before
// the script's main chunk. For a runner that does not call OnStart (or a
// run that fails before its script starts) it is the time when the run is
// handed to the runner.
func (s *Scheduler) attempt(c *chain, n int) (history.Outcome, error) {
	j := c.job
	attrs := []slog.Attr{slog.String(keyJob, j.Name)}
	if n > 1 {
		attrs = append(attrs, slog.Int(keyAttempt, n))
	}
	idp := runlog.NewID()
	// logger is the script's: the daemon's log plus the run's history.
	buf := history.NewLogBuffer(0, 0)
	buf.Redact = s.redact.String
	buf.Level = s.capture
	buf.OnLine = func(line history.LogLine, index int) {
		if s.listening() {
			if id := idp.Peek(); id > 0 {
				s.publish(fanout.Change{Kind: fanout.ChangeLog, Job: j.Name, RunID: id, Log: &line, Index: index})
			}
		}
	}
	logger := runlog.New(s.log.Handler(), attrs, idp, buf)

	if n == 1 && len(c.preds) > 0 {
		// Waiting for the runs it replaces is not starting.
		c.leaveGate(s.gate)
		s.waitPreds(c)
	}
	if n == 1 && c.claim != nil && c.claim.HasPredecessors() {
		c.leaveGate(s.gate)
		wctx, cancel := context.WithTimeout(c.ctx, cancelGrace+s.cl.TTL())
		if err := c.claim.WaitPredecessors(wctx); err != nil && c.ctx.Err() == nil {
			s.log.Warn("the replaced runs on other replicas did not end in time; starting anyway",
				slog.String(keyJob, j.Name), slog.Any(keyError, err))
		}
		cancel()
	}
	started := s.clock.Now()
	go s.begin(c, n, started, idp, buf)
	// The start delay is observed once: when the script starts, or after
	// the run if the runner did not say.
	var observed atomic.Bool
	observe := func(at time.Time) {
		if n == 1 && !c.scheduled.IsZero() && observed.CompareAndSwap(false, true) {
			s.metrics.StartDelay.Observe(max(at.Sub(c.scheduled), 0).Seconds())
		}
	}
	// A run that cannot be recorded does not start: its script waits, just
	// before its first instruction, for its history row, and is cancelled
	// if the row could not be written.
	runCtx, cancelRun := context.WithCancelCause(c.ctx)
	defer cancelRun(nil)
	onStart := func() {
		c.leaveGate(s.gate)
		observe(s.clock.Now())
		if _, err := idp.Wait(); err != nil {
			cancelRun(fmt.Errorf("%w: %w", ErrNotRecorded, err))
		}
	}

	res, runErr := attempt.Call(context.WithValue(runCtx, timingKey{}, runTiming{c.scheduled, c.dispatched}), s.runner, engine.Request{
		Script: j.Script, Compiled: c.script, Args: c.runArgs(), Event: c.event, DryRun: c.isDryRun(), Timeout: j.Timeout,
		Concurrency: j.Concurrency, HTTPAllow: j.HTTPAllow, Logger: logger, OnStart: onStart,
		Isolation: engine.Isolation(j.Isolation), MemoryLimit: j.MemoryLimit,
		Run: engine.RunInfo{Job: j.Name, Trigger: c.trigger, Scheduled: c.scheduled, Node: s.nodeName(), ID: idp.Peek},
	}, logger)
	end := s.clock.Now()
	outcome, errText := attempt.Classify(c.ctx, res, runErr)
	c.leaveGate(s.gate)
	observe(started)
	// What follows (recording, logging) waits for the runs starting at the
	// same time.
	s.gate.Wait()

	rec := attempt.Row(res, runErr, end, outcome, errText, s.redact, logger)
	dur := rec.End.Sub(started)
	level := slog.LevelInfo
	if outcome != history.OutcomeOK {
		level = slog.LevelError
	}
	rec.Logs = buf.Lines()
	id, err := idp.Wait()
	c.final = rec
	if err == nil {
		c.final.ID = id
	}
	if !shouldRetry(j, n, outcome, cmp.Or(err, runErr)) { // what runChain decides with
		// The chain ends with this attempt: it stops counting as running
		// before its end is visible.
		s.retire(c)
	}
	s.metrics.ObserveRun(&c.js.metrics, c.js.name, string(outcome), dur)
	if s.log.Enabled(context.Background(), level) {
		// The daemon's log only: the run's row has all of it.
		finishAttrs := make([]slog.Attr, 0, 9)
		finishAttrs = append(finishAttrs, attrs...)
		if err == nil {
			finishAttrs = append(finishAttrs, slog.Int64(keyRunID, id))
		}
		finishAttrs = append(finishAttrs, slog.String(keyOutcome, string(outcome)), slog.Duration(keyDuration, dur),
			slog.Int(keyCalls, rec.Calls), slog.Int(keyWrites, rec.Writes))
		if errText != "" {
			finishAttrs = append(finishAttrs, slog.String(keyError, errText))
		}
		s.log.LogAttrs(context.Background(), level, "run finished", finishAttrs...)
	}
	if err != nil {
		return outcome, err // wraps ErrNotRecorded
	}
	rec.ID = id
	if err := s.store.Finish(context.Background(), rec); err != nil {
		s.log.Error("cannot record the end of a run; retrying every second", slog.String(keyJob, j.Name), slog.Int64(keyRunID, id),
			slog.Any(keyError, err))
		go attempt.FinishLater(s.store.Finish, s.log, rec, time.Second)
	}
	s.setLast(c.js, rec, c, n, started)
	c.lastRec = rec
	c.lastRec.Job, c.lastRec.Trigger, c.lastRec.Scheduled, c.lastRec.Start = j.Name, c.trigger, c.scheduled, started
	c.lastRec.Logs = nil
	s.live.Set(id, nil)
	s.publish(fanout.Change{Kind: fanout.ChangeRunFinished, Job: j.Name, RunID: id, Outcome: outcome})
	return outcome, runErr
}

// begin creates the history row of an attempt that started at started.
func (s *Scheduler) begin(c *chain, n int, started time.Time, idp *runlog.ID, buf *history.LogBuffer) {
	j := c.job
	s.gate.Wait()
	id, err := s.store.Begin(context.Background(), history.Run{
		Job: j.Name, Trigger: c.trigger, Attempt: n, Scheduled: c.scheduled, Start: started, DryRun: c.isDryRun(),
	})
	if err != nil {
		s.log.Error("cannot record a run in the history; it does not start", slog.String(keyJob, j.Name),
			slog.Any(keyError, err))
		s.metrics.NotRecorded.WithLabelValues(j.Name).Inc()
		err = fmt.Errorf("%w: %w", ErrNotRecorded, err)
	} else {
		c.setRunID(id)
		s.live.Set(id, buf)
		s.publish(fanout.Change{Kind: fanout.ChangeRunStarted, Job: j.Name, RunID: id})
	}
	idp.Resolve(id, err)
	if n == 1 {
		close(c.began)
		select {
		case c.first <- beginResult{id: id, err: err}:
		default:
		}
	}
	if err == nil && s.log.Enabled(context.Background(), slog.LevelDebug) {
		attrs := []slog.Attr{slog.String(keyJob, j.Name), slog.Int64(keyRunID, id), slog.Int(keyAttempt, n),
			slog.String(keyTrigger, c.trigger), slog.Time(keyScheduled, c.scheduled), slog.String(keyScript, j.Script)}
		if c.event != nil {
			str := func(k string) string { v, _ := c.event[k].(string); return v }
			attrs = append(attrs, slog.String(keyEventType, str("type")), slog.String(keyConnectionID, str("connection_id")),
				slog.String(keyEventID, str("id")))
		}
		s.log.LogAttrs(context.Background(), slog.LevelDebug, "run started", attrs...)
	}
}

// waitPreds waits for the chains c replaced to end (bounded: a run that
// ignores its cancellation does not block the new one forever).
func (s *Scheduler) waitPreds(c *chain) {
	if len(c.preds) == 0 {
		return
	}
	t := time.NewTimer(cancelGrace)
	defer t.Stop()
	for _, p := range c.preds {
		select {
		case <-p.done:
		case <-c.ctx.Done():
			return
		case <-t.C:
			s.log.Warn("the replaced run did not stop in time; starting anyway", slog.String(keyJob, c.job.Name),
				slog.Int64(keyReplacedID, p.RunID()))
			return
		}
	}
	c.preds = nil
}

// timingKey is the context key of a run's runTiming, for runners that
// measure start delays (BenchmarkDaemon1000Jobs does).
type timingKey struct{}

// runTiming is when a run was due and when the scheduler dispatched it.
type runTiming struct {
	scheduled  time.Time // zero for manual runs
	dispatched time.Time
}

// setLast remembers the newest started run of a job for the jobs API.
func (s *Scheduler) setLast(js *jobState, rec history.Run, c *chain, attempt int, started time.Time) {
	rec.Job, rec.Trigger, rec.Attempt, rec.Scheduled, rec.Start = js.name, c.trigger, attempt, c.scheduled, started
	rec.DryRun = c.isDryRun()
	rec.Logs = nil
	s.mu.Lock()
	defer s.mu.Unlock()
	if js.last == nil || js.last.ID <= rec.ID {
		js.last, js.lastLoaded = &rec, true
	}
	if rec.Outcome == history.OutcomeOK && rec.End.After(js.lastOK) {
		js.lastOK = rec.End
	}
}
