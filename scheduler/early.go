package scheduler

import (
	"context"
	"log/slog"
	"time"

	"github.com/soracron/soracron/jobs"
	"github.com/soracron/soracron/scheduler/cluster"
	"github.com/soracron/soracron/scheduler/clusterrun"
)

// Early claims (cluster mode; package clusterrun says when and what they
// mean): when the tick comes, the run starts at once on the claim. A claim
// won early whose tick is not dispatched here (the job was removed,
// changed or suspended in between, or the daemon is stopping) is released:
// recorded cancelled, "not started".

// earlyLocked claims js's next tick early if it is time to
// (clusterrun.EarlyTiming), or lowers *wait to when to look again. s.mu is
// held.
func (s *Scheduler) earlyLocked(js *jobState, now time.Time, l *launch, wait *time.Duration) {
	j := js.job
	if js.prev.IsZero() || s.stopping || s.early[j.Name] != nil || !js.next.After(now) {
		return
	}
	if _, ok := s.suspended[j.Name]; ok {
		return
	}
	busy := js.claiming > 0 || (len(js.running) > 0 && j.ConcurrencyPolicy != jobs.Allow)
	claim, w := clusterrun.EarlyTiming(js.prev, js.next, now, busy)
	if w > 0 {
		*wait = min(*wait, w)
	}
	if !claim || s.cl.Health() != nil || s.cl.Rank(j.Name) != 0 {
		return
	}
	e := clusterrun.NewEarly(j, js.next)
	s.early.Add(e)
	l.early = append(l.early, e)
}

// staleEarlyLocked releases (l.release) the early claims whose ticks were
// not dispatched here (clusterrun.Pending.Stale). s.mu is held.
func (s *Scheduler) staleEarlyLocked(now time.Time, l *launch) {
	l.release = append(l.release, s.early.Stale(now, s.stopping, func(name string) bool {
		js := s.jobs[name]
		return js == nil || js.job == nil
	})...)
}

// claimEarly sends the early claims (one batch). It does not wait for
// s.claimMu: a job's tick is claimed early only once the claims of its
// ticks before are settled (jobState.claiming). s.wg counts the call.
func (s *Scheduler) claimEarly(es []*clusterrun.Early) {
	defer s.wg.Done()
	reqs := make([]cluster.ClaimRequest, len(es))
	for i, e := range es {
		reqs[i] = e.Request()
	}
	t0 := time.Now()
	s.cl.ClaimEach(context.Background(), reqs, func(i int, r cluster.ClaimResult) {
		es[i].Settle(r.Claim, r.Err)
	})
	s.log.Debug("ticks claimed early", slog.Int(keyJobs, len(reqs)), slog.Duration(keyDuration, time.Since(t0)))
}

// releaseEarly releases an early claim whose tick is not dispatched here.
// s.wg counts the call.
func (s *Scheduler) releaseEarly(e *clusterrun.Early) {
	defer s.wg.Done()
	if cl := e.Unused(); cl != nil {
		s.abandon(cl, "its tick was not dispatched on this replica (the job changed, was suspended or removed, or the daemon stopped)")
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
		if cl, err := e.Wait(); clusterrun.Decided(err) {
			s.claimed(tc, cl, err)
		} else { // busy, or no answer: claim it now
			tc.early = nil
			rest = append(rest, tc)
		}
	}
	return rest
}
