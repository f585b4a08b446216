package catchup

import (
	"fmt"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/soracron/soracron/jobs"
	"github.com/soracron/soracron/scheduler/history"
)

// onTime is how late a scheduled run may start and still count as started
// on time: a later tick was missed (the daemon was down or paused, or no
// replica could reach etcd) and follows the job's catch_up policy.
const onTime = time.Second

// MaxRecords bounds the missed ticks recorded one by one after a
// downtime; the older ones are counted in one more record.
const MaxRecords = 20

// maxTicks bounds the count of missed ticks computed after a long pause.
const maxTicks = 100000

// First is the first tick of j strictly after now, when the daemon
// starts or the job is (re)scheduled. aligned (cluster mode) aligns an
// "@every" schedule on multiples of its interval (since Go's zero time),
// so that replicas started at different times compute the same ticks;
// otherwise "@every" counts from now, as robfig/cron does.
func First(j *jobs.Job, now time.Time, aligned bool) time.Time {
	if cd, ok := j.Schedule.(cron.ConstantDelaySchedule); ok && aligned && cd.Delay > 0 {
		return now.Truncate(cd.Delay).Add(cd.Delay)
	}
	return Next(j, now)
}

// Next is the first tick of j strictly after now; zero if none.
func Next(j *jobs.Job, now time.Time) time.Time {
	next := j.Schedule.Next(now)
	if next.IsZero() || !next.After(now) {
		return time.Time{}
	}
	return next.Round(0)
}

// LatestDue returns the latest tick of j in [first, now] (first is a
// tick) and how many ticks that range holds (capped at 100,000).
func LatestDue(j *jobs.Job, first, now time.Time) (time.Time, int) {
	latest, n := first, 1
	for n < maxTicks {
		t := j.Schedule.Next(latest)
		if t.IsZero() || !t.After(latest) || t.After(now) {
			break
		}
		latest = t.Round(0)
		n++
	}
	return latest, n
}

// Reason says why a tick of j, late by late, is not run, or "" when it
// runs: it is older than the job's starting_deadline, or it is a missed
// tick and the job's catch_up is none.
func Reason(j *jobs.Job, late time.Duration) string {
	switch {
	case j.StartingDeadline > 0 && late > j.StartingDeadline:
		return fmt.Sprintf("missed: not started within starting_deadline %s (%s late)", j.StartingDeadline, late.Round(time.Millisecond))
	case j.CatchUp == jobs.CatchUpNone && late > onTime:
		return fmt.Sprintf("missed: %s late, and catch_up is none", late.Round(time.Millisecond))
	}
	return ""
}

// DowntimeReason is the reason recorded for the ticks of j older than the
// latest due one, the oldest late by late.
func DowntimeReason(j *jobs.Job, late time.Duration) string {
	return fmt.Sprintf("missed: due while the daemon was not running (%s late); catch_up %s runs at most the latest",
		late.Round(time.Millisecond), j.CatchUp)
}

// Ticks returns the ticks of j from first (a tick) until before
// (excluded): the newest MaxRecords of them, oldest first, and their
// total count (capped at 100,000).
func Ticks(j *jobs.Job, first, before time.Time) ([]time.Time, int) {
	var ring []time.Time
	n := 0
	for t := first; !t.IsZero() && t.Before(before) && n < maxTicks; t = j.Schedule.Next(t) {
		n++
		ring = append(ring, t.Round(0))
		if len(ring) > MaxRecords {
			ring = ring[1:]
		}
	}
	return ring, n
}

// Rows returns the history rows, recorded at now, of total missed ticks
// of j whose newest are ticks (oldest first, as Ticks returns them):
// extra, when total is more than len(ticks), counts the older ones in one
// row (ok false without one); each of ticks has a row of its own.
func Rows(j *jobs.Job, ticks []time.Time, total int, reason string, now time.Time) (extra history.Run, ok bool, each []history.Run) {
	if n := total - len(ticks); n > 0 && len(ticks) > 0 {
		extra = history.Run{Job: j.Name, Trigger: history.TriggerSchedule, Attempt: 1, Start: now, End: now,
			Outcome: history.OutcomeMissed, DryRun: j.DryRun,
			Error: fmt.Sprintf("%s; %d earlier scheduled times were missed too, before %s", reason, n,
				ticks[0].Format(time.RFC3339))}
		ok = true
	}
	each = make([]history.Run, 0, len(ticks))
	for _, t := range ticks {
		each = append(each, history.Run{Job: j.Name, Trigger: history.TriggerSchedule, Attempt: 1, Scheduled: t,
			Start: now, End: now, Outcome: history.OutcomeMissed, Error: reason, DryRun: j.DryRun})
	}
	return extra, ok, each
}
