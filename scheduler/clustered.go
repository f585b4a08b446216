package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/soracron/soracron/jobs"
	"github.com/soracron/soracron/scheduler/cluster"
	"github.com/soracron/soracron/scheduler/clusterrun"
	"github.com/soracron/soracron/scheduler/history"
)

// This file is the cluster mode (Options.Cluster): every replica computes
// the same ticks; a tick runs on the replica that claims it (package
// cluster), a manual run on the replica asked, after its claim.

// ErrUnavailable: cluster mode, and this replica holds no etcd session; it
// starts nothing.
var ErrUnavailable = errors.New("no etcd session: this replica starts no run")

// tickClaim is a due tick to claim.
type tickClaim struct {
	js        *jobState
	job       *jobs.Job
	scheduled time.Time
	miss      string // why it is not run ("" to run it)
	// after is the take-over delay of a replica that is not the job's
	// preferred owner (0 for the owner): it claims the tick only if it is
	// still undecided then.
	after time.Duration
	// early is the early claim of the tick, if one was sent.
	early *clusterrun.Early
}

// claimTicks claims the due ticks (in batches: cluster.ClaimEach) and
// settles each (claimed) as soon as its claim is answered. s.wg counts
// each tick.
func (s *Scheduler) claimTicks(tcs []tickClaim) {
	tcs = s.settleEarly(tcs) // before s.claimMu: their claims may wait for it
	// One batch at a time, in the order of the ticks: a later tick claimed
	// first would make the earlier one look decided. Take-overs (after > 0)
	// are in order among themselves; they are of jobs this replica does
	// not claim at once.
	if len(tcs) == 0 {
		return
	}
	mu := &s.claimMu
	if tcs[0].after > 0 {
		mu = &s.takeMu
	}
	mu.Lock()
	defer mu.Unlock()
	s.mu.Lock()
	stopping := s.stopping
	s.mu.Unlock()
	if stopping {
		for _, tc := range tcs {
			s.tickSettled(tc)
		}
		return
	}
	reqs := make([]cluster.ClaimRequest, len(tcs))
	for i, tc := range tcs {
		reqs[i] = clusterrun.TickRequest(tc.job, tc.scheduled, tc.miss, tc.after > 0)
	}
	t0 := time.Now()
	var won atomic.Int64
	s.cl.ClaimEach(context.Background(), reqs, func(i int, r cluster.ClaimResult) {
		if r.Err == nil {
			won.Add(1)
		}
		s.claimed(tcs[i], r.Claim, r.Err)
	})
	s.log.Debug("ticks claimed", slog.Int(keyJobs, len(reqs)), slog.Int64("won", won.Load()),
		slog.Bool("take_over", tcs[0].after > 0), slog.Duration(keyDuration, time.Since(t0)))
}

// takeOver claims, after their delay (tickClaim.after, shortest first),
// the due ticks of jobs this replica is not the preferred owner of, if they
// are still undecided then: their owner did not claim them (it died, was
// stopped or cut from etcd, or is slow). s.wg counts each tick.
func (s *Scheduler) takeOver(tcs []tickClaim) {
	clusterrun.TakeOver(s.clock, s.stop, tcs, func(tc tickClaim) time.Duration { return tc.after }, s.claimTicks,
		s.tickSettled)
}

// tickSettled counts a due tick as settled (claimed, or not to be).
func (s *Scheduler) tickSettled(tc tickClaim) {
	s.mu.Lock()
	tc.js.claiming--
	s.mu.Unlock()
	s.wg.Done()
}

// claimed starts, skips or records missed a due tick if this replica won
// its claim. s.wg counts it.
func (s *Scheduler) claimed(tc tickClaim, cl *cluster.Claim, err error) {
	defer s.tickSettled(tc)
	j := tc.job
	a := clusterrun.Decide(cl, err)
	switch a {
	case clusterrun.Taken:
		return
	case clusterrun.Failed:
		s.log.Warn("cannot claim a scheduled run; not started here", slog.String(keyJob, j.Name),
			slog.Time(keyScheduled, tc.scheduled), slog.Any(keyError, err))
		return
	}
	if ticks, total, ok := clusterrun.MissedBefore(j, cl, tc.scheduled); ok {
		s.recordMissed(missed{job: j, ticks: ticks, total: total, reason: clusterrun.NoReplica})
		if err := s.cl.RecordMissed(context.Background(), j.Name, ticks, total, clusterrun.NoReplica); err != nil {
			s.log.Warn("cannot record missed runs in the cluster", slog.String(keyJob, j.Name), slog.Any(keyError, err))
		}
	}
	switch a {
	case clusterrun.Miss:
		s.recordMissed(missed{job: j, ticks: []time.Time{tc.scheduled}, total: 1, reason: tc.miss})
	case clusterrun.Skip:
		s.skipClaimed(j, tc.scheduled, cl.RunningOn)
	default:
		s.startClaimed(tc.js.name, history.TriggerSchedule, tc.scheduled, cl)
	}
}

// skipClaimed records a tick skipped because the job runs elsewhere.
func (s *Scheduler) skipClaimed(j *jobs.Job, scheduled time.Time, node string) {
	s.metrics.Skipped.WithLabelValues(j.Name).Inc()
	s.metrics.Runs.WithLabelValues(j.Name, string(history.OutcomeSkipped)).Inc()
	s.wg.Add(1)
	go s.recordSkip(skipRecord{job: j, trigger: history.TriggerSchedule, scheduled: scheduled, node: node})
}

// startClaimed starts the run of a claim won by this replica.
func (s *Scheduler) startClaimed(name, trigger string, scheduled time.Time, cl *cluster.Claim) {
	var l launch
	s.mu.Lock()
	js := s.jobs[name]
	var err error
	switch {
	case js == nil || js.job == nil:
		err = fmt.Errorf("%w %q", ErrUnknownJob, name)
	default:
		_, err = s.startLocked(js, trigger, scheduled, cl, &l)
	}
	s.mu.Unlock()
	l.start(s)
	if err != nil {
		s.abandon(cl, err.Error())
	}
}

// claimManual claims a manual run of j.
func (s *Scheduler) claimManual(ctx context.Context, j *jobs.Job) (*cluster.Claim, error) {
	cl, err := s.cl.Claim(ctx, clusterrun.ManualRequest(j))
	switch {
	case errors.Is(err, cluster.ErrConflict):
		return nil, fmt.Errorf("%w: %w", ErrConflict, err)
	case errors.Is(err, cluster.ErrNoSession):
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	case err != nil:
		return nil, err
	}
	return cl, nil
}

// abandon releases a claim whose run did not start.
func (s *Scheduler) abandon(cl *cluster.Claim, why string) {
	if err := cl.Finish(context.Background(), clusterrun.NotStarted(why)); err != nil {
		s.log.Warn("cannot release a claim", slog.String(keyJob, cl.Job), slog.Any(keyError, err))
	}
}

// finishClaim records the end of a chain in the cluster.
func (s *Scheduler) finishClaim(c *chain) {
	if c.claim == nil {
		return
	}
	err := c.claim.Finish(context.Background(), clusterrun.Finished(c.final))
	if err != nil && !errors.Is(err, cluster.ErrSessionLost) {
		s.log.Warn("cannot record the end of a run in the cluster", slog.String(keyJob, c.job.Name),
			slog.Int64(keyRunID, c.final.ID), slog.Any(keyError, err))
	}
}

// clusterHooks are the scheduler's callbacks for the cluster.
func (s *Scheduler) clusterHooks() cluster.Hooks {
	return cluster.Hooks{LostPolicy: s.lostPolicy, OnLost: s.onLost, OnSession: s.onSession}
}

func (s *Scheduler) lostPolicy(name string) (bool, cluster.Policy, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	j := s.cfg.Job(name)
	if j == nil || s.stopping {
		return false, cluster.Forbid, false
	}
	return j.OnLost == jobs.LostRerun, clusterrun.Policy(j), true
}

// onLost records locally a run lost by a replica, and starts its rerun if
// this replica claimed it.
func (s *Scheduler) onLost(l cluster.Lost) {
	r, run := l.Record, clusterrun.LostRun(l.Record)
	s.metrics.Runs.WithLabelValues(r.Job, string(history.OutcomeInterrupted)).Inc()
	if _, err := s.store.Skip(context.Background(), run); err != nil {
		s.log.Error("cannot record a lost run", slog.String(keyJob, r.Job), slog.Any(keyError, err))
	}
	cl := l.Rerun
	if cl == nil {
		return
	}
	s.log.Info("rerunning a run lost with its replica (on_lost: rerun)", slog.String(keyJob, r.Job),
		slog.String(keyNode, r.Node))
	if cl.State == cluster.StateSkipped {
		if j := s.config().Job(r.Job); j != nil {
			s.skipClaimed(j, r.Scheduled, cl.RunningOn)
		}
		return
	}
	s.startClaimed(r.Job, run.Trigger, r.Scheduled, cl)
}

func (s *Scheduler) onSession(err error) {
	if err == nil {
		s.metrics.Session.Set(1)
		s.nudge()
		return
	}
	s.metrics.Session.Set(0)
}

// startCatchUp sets the jobs' next ticks from the last ones decided before
// this start (the history; the cluster's last ticks), so that the ticks
// missed while down are found due.
func (s *Scheduler) startCatchUp(ctx context.Context) {
	if s.cl == nil {
		s.catchUpFrom(s.lastFromHistory(ctx))
		return
	}
	wctx, cancel := context.WithTimeout(ctx, s.cl.TTL())
	defer cancel()
	if err := s.cl.WaitSession(wctx); err != nil {
		s.log.Warn("no etcd session yet: runs start once there is one", slog.Any(keyError, err))
		return
	}
	last, err := s.cl.Last(ctx)
	if err != nil {
		s.log.Warn("cannot read the last ticks from etcd; missed runs are recorded by the next claims", slog.Any(keyError, err))
		return
	}
	s.catchUpFrom(last)
}
