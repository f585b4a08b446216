package scheduler

import (
	"context"
	"log/slog"
	"time"

	"github.com/soracron/soracron/jobs"
	"github.com/soracron/soracron/scheduler/catchup"
	"github.com/soracron/soracron/scheduler/history"
)

// missed is a batch of missed ticks of a job to record.
type missed struct {
	job    *jobs.Job
	ticks  []time.Time // the newest, oldest first
	total  int         // all of them (more than len(ticks) after a long downtime)
	reason string
}

// recordMissedLocked counts m and records it in the background; s.mu is
// held or not, as the caller likes (it touches no scheduler state).
func (s *Scheduler) recordMissed(m missed) {
	if m.total == 0 {
		return
	}
	s.metrics.Missed.WithLabelValues(m.job.Name).Add(float64(m.total))
	s.metrics.Runs.WithLabelValues(m.job.Name, string(history.OutcomeMissed)).Add(float64(m.total))
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.gate.Wait()
		j := m.job
		now := s.clock.Now()
		ctx := context.Background()
		var lastRec history.Run
		extra, ok, each := catchup.Rows(j, m.ticks, m.total, m.reason, now)
		if ok {
			if _, err := s.store.Skip(ctx, extra); err != nil {
				s.log.Error("cannot record missed runs", slog.String(keyJob, j.Name), slog.Any(keyError, err))
			}
		}
		for _, r := range each {
			id, err := s.store.Skip(ctx, r)
			if err != nil {
				s.log.Error("cannot record a missed run", slog.String(keyJob, j.Name), slog.Any(keyError, err))
				return
			}
			lastRec, lastRec.ID = r, id
		}
		if js := s.jobState(j.Name); js != nil && lastRec.ID > 0 {
			s.notifyOutcome(js, j, lastRec) // one notification for the ticks missed together
		}
		last := m.ticks[len(m.ticks)-1]
		s.log.Warn("scheduled runs missed", slog.String(keyJob, j.Name), slog.Int(keyMissed, m.total),
			slog.Time(keyScheduled, last), slog.String(keyReason, m.reason))
	}()
}

// catchUpFrom sets the next tick of each enabled job to the first one
// after last[job], when that is earlier than the next one from now: the
// schedule loop then finds the ticks missed during the downtime due, and
// applies the jobs' catch_up and starting_deadline to them.
func (s *Scheduler) catchUpFrom(last map[string]time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for name, t := range last {
		js := s.jobs[name]
		if js == nil || js.job == nil || !js.job.Enabled || t.IsZero() || js.next.IsZero() {
			continue
		}
		if n := catchup.Next(js.job, t); !n.IsZero() && n.Before(js.next) {
			js.next = n
		}
	}
}

// lastFromHistory reads the latest scheduled time of every job from the
// history (single-node mode).
func (s *Scheduler) lastFromHistory(ctx context.Context) map[string]time.Time {
	last := map[string]time.Time{}
	for _, j := range s.config().Jobs {
		t, err := s.store.LastScheduled(ctx, j.Name)
		if err != nil {
			s.log.Error("cannot read the last scheduled run; missed runs of this job are not caught up",
				slog.String(keyJob, j.Name), slog.Any(keyError, err))
			continue
		}
		last[j.Name] = t
	}
	return last
}
