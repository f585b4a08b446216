package scheduler

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/soracron/soracron/jobs"
	"github.com/soracron/soracron/scheduler/history"
)

// onTime is how late a scheduled run may start and still count as started
// on time: a later tick was missed (the daemon was down or paused, or no
// replica could reach etcd) and follows the job's catch_up policy.
const onTime = time.Second

// maxMissedRecords bounds the missed ticks recorded one by one after a
// downtime; the older ones are counted in one more record.
const maxMissedRecords = 20

// missReason says why the tick scheduled (due since first, late by late)
// is not run, or "" when it runs: it is older than the job's
// starting_deadline, or it is a missed tick and the job's catch_up is none.
func missReason(j *jobs.Job, late time.Duration) string {
	switch {
	case j.StartingDeadline > 0 && late > j.StartingDeadline:
		return fmt.Sprintf("missed: not started within starting_deadline %s (%s late)", j.StartingDeadline, late.Round(time.Millisecond))
	case j.CatchUp == jobs.CatchUpNone && late > onTime:
		return fmt.Sprintf("missed: %s late, and catch_up is none", late.Round(time.Millisecond))
	}
	return ""
}

// missedTicks returns the run times of j from first (a run time) until
// before (excluded): the newest maxMissedRecords of them, oldest first,
// and their total count (capped at maxMissed).
func missedTicks(j *jobs.Job, first, before time.Time) ([]time.Time, int) {
	var ring []time.Time
	n := 0
	for t := first; !t.IsZero() && t.Before(before) && n < maxMissed; t = j.Schedule.Next(t) {
		n++
		ring = append(ring, t.Round(0))
		if len(ring) > maxMissedRecords {
			ring = ring[1:]
		}
	}
	return ring, n
}

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
		if extra := m.total - len(m.ticks); extra > 0 && len(m.ticks) > 0 {
			r := history.Run{Job: j.Name, Trigger: history.TriggerSchedule, Attempt: 1, Start: now, End: now,
				Outcome: history.OutcomeMissed, DryRun: j.DryRun,
				Error: fmt.Sprintf("%s; %d earlier scheduled times were missed too, before %s", m.reason, extra,
					m.ticks[0].Format(time.RFC3339))}
			if _, err := s.store.Skip(ctx, r); err != nil {
				s.log.Error("cannot record missed runs", slog.String(keyJob, j.Name), slog.Any(keyError, err))
			}
		}
		for _, t := range m.ticks {
			r := history.Run{Job: j.Name, Trigger: history.TriggerSchedule, Attempt: 1, Scheduled: t, Start: now,
				End: now, Outcome: history.OutcomeMissed, Error: m.reason, DryRun: j.DryRun}
			id, err := s.store.Skip(ctx, r)
			if err == nil {
				lastRec, lastRec.ID = r, id
			}
			if err != nil {
				s.log.Error("cannot record a missed run", slog.String(keyJob, j.Name), slog.Any(keyError, err))
				return
			}
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
		if n := nextRun(js.job, t); !n.IsZero() && n.Before(js.next) {
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
