package scheduler

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/soracron/soracron/jobs"
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
	if p, ok := s.runner.(Prewarmer); ok {
		s.wg.Add(1)
		go s.prewarmLoop(p)
	}
	for {
		next := s.dispatchDue()
		// The wait is measured after the dispatch, which takes a while
		// when many runs are due.
		t := s.clock.NewTimer(min(next.Sub(s.clock.Now()), maxWait))
		select {
		case <-ctx.Done():
			t.Stop()
			return s.drain()
		case <-t.C():
		case <-s.wake:
			t.Stop()
		}
	}
}

// dispatchDue starts the runs that are due and returns the time of the
// next one (at most maxWait after now).
func (s *Scheduler) dispatchDue() time.Time {
	now := s.clock.Now().Round(0)
	var l launch
	defer l.start(s)
	s.mu.Lock()
	defer s.mu.Unlock()
	wait := maxWait
	for _, js := range s.jobs {
		j := js.job
		if j == nil || js.next.IsZero() {
			continue
		}
		if js.next.After(now) {
			wait = min(wait, js.next.Sub(now))
			continue
		}
		scheduled, missed := latestDue(j, js.next, now)
		if late := now.Sub(js.next); late > s.grace {
			s.log.Warn("scheduled runs were missed (was the daemon paused or the host suspended?); running once",
				slog.String(keyJob, j.Name), slog.Time(keyScheduled, js.next), slog.Int(keyMissed, missed),
				slog.Duration(keyLate, late))
		}
		js.next = nextRun(j, now)
		if !js.next.IsZero() {
			wait = min(wait, js.next.Sub(now))
		}
		_, _ = s.startLocked(js, history.TriggerSchedule, scheduled, &l)
	}
	return now.Add(wait)
}

// latestDue returns the latest run time of j in [first, now] and how many
// run times that range holds (capped at maxMissed).
func latestDue(j *jobs.Job, first, now time.Time) (time.Time, int) {
	latest, n := first, 1
	for n < maxMissed {
		t := j.Schedule.Next(latest)
		if t.IsZero() || !t.After(latest) || t.After(now) {
			break
		}
		latest = t.Round(0)
		n++
	}
	return latest, n
}
