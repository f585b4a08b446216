package scheduler

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/soracron/soracron/scheduler/catchup"
	"github.com/soracron/soracron/scheduler/clusterrun"
	"github.com/soracron/soracron/scheduler/history"
)

// nudge wakes the schedule loop up.
func (s *Scheduler) nudge() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Run runs the schedule loop until ctx is done, then shuts down: it starts
// no new run, waits up to the shutdown timeout for the runs in progress,
// cancels the rest (recorded as cancelled) and returns once every run is
// recorded. Run may be called once.
func (s *Scheduler) Run(ctx context.Context) error {
	s.mu.Lock()
	if s.started {
		s.mu.Unlock()
		return errors.New("scheduler: Run called twice")
	}
	s.started = true
	s.mu.Unlock()
	s.log.Info("scheduler started", slog.Int(keyJobs, len(s.config().Jobs)))
	if s.cl != nil {
		s.wg.Add(1)
		go s.watchSuspensions(ctx)
	}
	s.startCatchUp(ctx)
	if p, ok := s.runner.(Prewarmer); ok {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.prewarm.Run(p)
		}()
	}
	for {
		next := s.dispatchDue()
		// The wait is measured after the dispatch, which takes a while
		// when many runs are due.
		t := s.clock.NewTimer(min(next.Sub(s.clock.Now()), maxWait))
		select {
		case <-ctx.Done():
			t.Stop()
			err := s.drain()
			s.closeNotifier()
			return err
		case <-t.C():
		case <-s.wake:
			t.Stop()
		}
	}
}

// dispatchDue starts the runs that are due and returns the time of the
// next one (at most maxWait after now).
//
// A job whose ticks came while nothing could start them (the daemon was
// down or paused; in cluster mode, no replica held a session) has several
// due at once: the latest runs if its catch_up and starting_deadline allow
// (catchup.Reason), the others are recorded missed. In cluster mode each due
// tick is claimed first (claimTick); while this replica has no session,
// the ticks stay due.
func (s *Scheduler) dispatchDue() time.Time {
	now := s.clock.Now().Round(0)
	var l launch
	defer l.start(s)
	s.mu.Lock()
	defer s.mu.Unlock()
	wait := maxWait
	// In cluster mode the ticks wait for a session, and for the
	// suspensions of etcd.
	clusterDown := s.cl != nil && (s.cl.Health() != nil || !s.susp.Known())
	for _, js := range s.jobs {
		j := js.job
		if j == nil || js.next.IsZero() {
			continue
		}
		if js.next.After(now) {
			wait = min(wait, js.next.Sub(now))
			if s.cl != nil && !clusterDown {
				s.earlyLocked(js, now, &l, &wait)
			}
			continue
		}
		if clusterDown || s.stopping {
			continue // stays due; a new session nudges the loop
		}
		first := js.next
		scheduled, n := catchup.LatestDue(j, first, now)
		late := now.Sub(scheduled)
		if late := now.Sub(first); late > s.grace {
			s.log.Warn("scheduled runs were missed (was the daemon paused, the host suspended, or etcd unreachable?)",
				slog.String(keyJob, j.Name), slog.Time(keyScheduled, first), slog.Int(keyMissed, n),
				slog.Duration(keyLate, late))
		}
		reason := catchup.Reason(j, late)
		js.next = catchup.Next(j, now)
		if s.cl != nil {
			// The same ticks on every replica: the next after the one due.
			js.next = catchup.Next(j, scheduled)
			for !js.next.IsZero() && !js.next.After(now) {
				js.next = catchup.Next(j, js.next)
			}
		}
		if !js.next.IsZero() {
			wait = min(wait, js.next.Sub(now))
		}
		if _, ok := s.suspended[j.Name]; ok {
			// Suspended through the API: the tick is not recorded.
			continue
		}
		if s.cl != nil {
			// The winner of the claim records the ticks missed before it.
			// The job's preferred owner claims at once, the others later
			// if the tick is still undecided then (take-over).
			tc := tickClaim{js: js, job: j, scheduled: scheduled, miss: reason}
			js.prev = scheduled
			if n == 1 && reason == "" {
				tc.early = s.early.Take(j.Name, scheduled)
			}
			s.wg.Add(1)
			js.claiming++
			if r := s.cl.Rank(j.Name); r > 0 {
				tc.after = clusterrun.TakeOverDelay(r, s.cl.Grace())
				l.later = append(l.later, tc)
				continue
			}
			l.claims = append(l.claims, tc)
			s.earlyLocked(js, now, &l, &wait) // when to claim the next one
			continue
		}
		if n > 1 {
			ticks, total := catchup.Ticks(j, first, scheduled)
			s.recordMissed(missed{job: j, ticks: ticks, total: total, reason: catchup.DowntimeReason(j, now.Sub(first))})
		}
		if reason != "" {
			s.recordMissed(missed{job: j, ticks: []time.Time{scheduled}, total: 1, reason: reason})
			continue
		}
		_, _ = s.startLocked(js, history.TriggerSchedule, scheduled, nil, &l)
	}
	if len(s.early) > 0 {
		s.staleEarlyLocked(now, &l)
	}
	return now.Add(wait)
}
