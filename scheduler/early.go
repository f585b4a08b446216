package scheduler

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/soracron/soracron/jobs"
	"github.com/soracron/soracron/scheduler/cluster"
	"github.com/soracron/soracron/scheduler/history"
)

// Early claims (cluster mode): the preferred owner of a job claims its next
// tick shortly before it is due (earlyLead, at most half the interval since
// the previous tick), if no run of the job is in progress then
// (cluster.ClaimRequest.Early), so that the round trip to etcd is not part
// of the run's start delay. When the tick comes, the run starts at once on
// the claim; when the early claim decided nothing (a run was in progress,
// or etcd did not answer), the tick is claimed as usual. A claim won early
// whose tick is not dispatched here (the job was removed, changed or
// suspended in between, or the daemon is stopping) is released: recorded
// cancelled, "not started".

// earlyLead is how long before its tick a job's next tick is claimed.
const earlyLead = 500 * time.Millisecond

// earlyRetry is how often a job that was busy when its early claim was
// due is looked at again.
const earlyRetry = 50 * time.Millisecond

// earlyClaim is the early claim of one tick.
type earlyClaim struct {
	job  *jobs.Job
	tick time.Time
	done chan struct{} // closed once claim and err are set
	// claim is the claim won (nil when err is set).
	claim *cluster.Claim
	err   error
}

// earlyLocked claims js's next tick early if it is time to (see above),
// or lowers *wait to when it will be. A job whose run is in progress, or
// whose previous tick is still being claimed, is looked at again every
// earlyRetry until its tick. s.mu is held.
func (s *Scheduler) earlyLocked(js *jobState, now time.Time, l *launch, wait *time.Duration) {
	j := js.job
	if js.prev.IsZero() || s.stopping || s.early[j.Name] != nil || !js.next.After(now) {
		return
	}
	if _, ok := s.suspended[j.Name]; ok {
		return
	}
	at := js.next.Add(-min(earlyLead, js.next.Sub(js.prev)/2))
	if now.Before(at) {
		*wait = min(*wait, at.Sub(now))
		return
	}
	if js.claiming > 0 || (len(js.running) > 0 && j.ConcurrencyPolicy != jobs.Allow) {
		// Busy (it would decide nothing), or its previous tick is not
		// decided yet (claims go in the order of the ticks).
		if js.next.Sub(now) > earlyRetry {
			*wait = min(*wait, earlyRetry)
		}
		return
	}
	if s.cl.Health() != nil || s.cl.Rank(j.Name) != 0 {
		return
	}
	e := &earlyClaim{job: j, tick: js.next, done: make(chan struct{})}
	s.early[j.Name] = e
	l.early = append(l.early, e)
}

// takeEarlyLocked returns the early claim of j's tick scheduled, if there
// is one, and forgets it. s.mu is held.
func (s *Scheduler) takeEarlyLocked(j *jobs.Job, scheduled time.Time) *earlyClaim {
	e := s.early[j.Name]
	if e == nil || !e.tick.Equal(scheduled) {
		return nil
	}
	delete(s.early, j.Name)
	return e
}

// staleEarlyLocked forgets the early claims whose tick passed without
// being dispatched here, or all when the daemon stops, and adds them to
// l.release. s.mu is held.
func (s *Scheduler) staleEarlyLocked(now time.Time, l *launch) {
	for name, e := range s.early {
		if js := s.jobs[name]; s.stopping || !e.tick.After(now) || js == nil || js.job == nil {
			delete(s.early, name)
			l.release = append(l.release, e)
		}
	}
}

// claimEarly sends the early claims (one batch). It does not wait for
// s.claimMu: a job's tick is claimed early only once the claims of its
// ticks before are settled (jobState.claiming). s.wg counts the call.
func (s *Scheduler) claimEarly(es []*earlyClaim) {
	defer s.wg.Done()
	reqs := make([]cluster.ClaimRequest, len(es))
	for i, e := range es {
		reqs[i] = cluster.ClaimRequest{Job: e.job.Name, Trigger: history.TriggerSchedule, Scheduled: e.tick,
			Policy: clusterPolicy(e.job), Early: true}
	}
	t0 := time.Now()
	s.cl.ClaimEach(context.Background(), reqs, func(i int, r cluster.ClaimResult) {
		es[i].claim, es[i].err = r.Claim, r.Err
		close(es[i].done)
	})
	s.log.Debug("ticks claimed early", slog.Int(keyJobs, len(reqs)), slog.Duration(keyDuration, time.Since(t0)))
}

// releaseEarly releases an early claim whose tick is not dispatched here.
// s.wg counts the call.
func (s *Scheduler) releaseEarly(e *earlyClaim) {
	defer s.wg.Done()
	<-e.done
	if e.err == nil && e.claim.State == cluster.StateRunning {
		s.abandon(e.claim, "its tick was not dispatched on this replica (the job changed, was suspended or removed, or the daemon stopped)")
	}
}

// settleEarly settles the ticks of tcs claimed early, once their claims
// are answered, and returns the others, and those whose early claim
// decided nothing, to claim now. s.wg counts each tick.
func (s *Scheduler) settleEarly(tcs []tickClaim) []tickClaim {
	rest := tcs[:0:0]
	for _, tc := range tcs {
		e := tc.early
		if e == nil {
			rest = append(rest, tc)
			continue
		}
		<-e.done
		switch {
		case e.err == nil, errors.Is(e.err, cluster.ErrTaken):
			s.claimed(tc, e.claim, e.err)
		default: // busy, or no answer: claim it now
			tc.early = nil
			rest = append(rest, tc)
		}
	}
	return rest
}
