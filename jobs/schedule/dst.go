package schedule

import (
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// DSTWarnings describes how daylight-saving transitions of loc, the job's
// location, between from and from+horizon affect its runs:
//
//   - a scheduled wall-clock time inside a gap (clocks jump forward) does not
//     exist that day: robfig/cron skips that run, it does not move it after
//     the jump (the warning names the next run it computes);
//   - a scheduled wall-clock time inside a repeated interval (clocks go
//     back) exists twice: robfig/cron runs the job at both occurrences.
//
// The behaviour is not assumed but computed with the job's own schedule s, so
// the text is exact. Schedules that fire in every hour of the day (*/5 * *
// * *, @hourly) are not reported: for them a transition only relabels wall
// clock times, the runs keep their spacing. @every schedules are not
// affected. The job's name is not part of the text.
func DSTWarnings(s cron.Schedule, loc *time.Location, from time.Time, horizon time.Duration) []string {
	ss := specOf(s)
	if ss == nil || ss.Hour&allHours == allHours || loc == nil {
		return nil
	}
	var out []string
	end := from.Add(horizon)
	t := from.In(loc)
	for range 1000 {
		_, next := t.ZoneBounds()
		if next.IsZero() || !next.After(t) || next.After(end) {
			break
		}
		t = next
		if w := transitionWarning(s, loc, ss, next); w != "" {
			out = append(out, w)
		}
	}
	return out
}

// transitionWarning describes the effect of the offset change at instant
// at on the job of schedule s (ss behind it) in loc, "" when there is none.
func transitionWarning(s cron.Schedule, loc *time.Location, ss *cron.SpecSchedule, at time.Time) string {
	beforeName, before := at.Add(-time.Second).Zone()
	afterName, after := at.Zone()
	if before == after {
		return ""
	}
	// Wall clock readings as naive UTC times.
	wallBefore := wallClock(at, before) // the reading the clocks leave
	wallAfter := wallClock(at, after)   // the reading they jump to
	zone := loc.String()
	if after > before {
		gap := matches(ss, wallBefore, wallAfter)
		if len(gap) == 0 {
			return ""
		}
		next := s.Next(at.Add(-time.Second)).In(loc)
		verb, what := "does", "the run is"
		if len(gap) > 1 {
			verb, what = "do", "these runs are"
		}
		return fmt.Sprintf("%s: %s %s not exist in %s (clocks jump from %s %s to %s %s): %s skipped, not moved; the next run is %s",
			wallBefore.Format(time.DateOnly), listTimes(gap), verb, zone,
			clock(wallBefore, false), beforeName, clock(wallAfter, false), afterName, what, formatRun(next))
	}
	repeated := matches(ss, wallAfter, wallBefore)
	if len(repeated) == 0 {
		return ""
	}
	// Which repeated times does the schedule really run at twice?
	d := time.Duration(before-after) * time.Second
	firstRuns := runWalls(s, loc, at.Add(-d), at)
	secondRuns := runWalls(s, loc, at, at.Add(d))
	var twice []time.Time
	for _, w := range repeated {
		if firstRuns[w] && secondRuns[w] {
			twice = append(twice, w)
		}
	}
	if len(twice) == 0 {
		return ""
	}
	verb := "occurs"
	if len(twice) > 1 {
		verb = "occur"
	}
	how := fmt.Sprintf("the job runs twice, at %s %s and again at %s %s", clock(twice[0], hasSeconds(twice)), beforeName, clock(twice[0], hasSeconds(twice)), afterName)
	if len(twice) > 1 {
		how = fmt.Sprintf("the job runs at each of them twice, first in %s, then again in %s", beforeName, afterName)
	}
	return fmt.Sprintf("%s: %s %s twice in %s (clocks go back from %s %s to %s %s): %s",
		wallBefore.Format(time.DateOnly), listTimes(twice), verb, zone,
		clock(wallBefore, false), beforeName, clock(wallAfter, false), afterName, how)
}

// wallClock is the wall clock reading at instant t under offset (seconds
// east of UTC), as a UTC time.
func wallClock(t time.Time, offset int) time.Time {
	return time.Unix(t.Unix()+int64(offset), 0).UTC()
}

// matches returns the wall clock times in [from, to) that ss matches.
func matches(ss *cron.SpecSchedule, from, to time.Time) []time.Time {
	var out []time.Time
	for w := from; w.Before(to); w = w.Add(time.Second) {
		if wallMatches(ss, w) {
			out = append(out, w)
		}
	}
	return out
}

// wallMatches applies ss's fields to the wall clock time w, as robfig/cron
// does (day of month and day of week are OR-ed unless one is *).
func wallMatches(ss *cron.SpecSchedule, w time.Time) bool {
	bit := func(field uint64, v int) bool { return field&(1<<uint(v)) != 0 }
	if !bit(ss.Month, int(w.Month())) || !bit(ss.Hour, w.Hour()) || !bit(ss.Minute, w.Minute()) || !bit(ss.Second, w.Second()) {
		return false
	}
	const star = 1 << 63
	dom, dow := bit(ss.Dom, w.Day()), bit(ss.Dow, int(w.Weekday()))
	if ss.Dom&star != 0 || ss.Dow&star != 0 {
		return dom && dow
	}
	return dom || dow
}

// runWalls returns the wall clock readings in loc of the runs of s in
// [from, to).
func runWalls(s cron.Schedule, loc *time.Location, from, to time.Time) map[time.Time]bool {
	out := map[time.Time]bool{}
	t := from.Add(-time.Second)
	for range 100000 {
		t = s.Next(t)
		if t.IsZero() || !t.Before(to) {
			break
		}
		_, off := t.In(loc).Zone()
		out[wallClock(t, off)] = true
	}
	return out
}

// listTimes formats up to three wall clock times, then a count.
func listTimes(ws []time.Time) string {
	secs := hasSeconds(ws)
	var parts []string
	for i, w := range ws {
		if i == 3 {
			parts = append(parts, fmt.Sprintf("%d more", len(ws)-3))
			break
		}
		parts = append(parts, clock(w, secs))
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

func hasSeconds(ws []time.Time) bool {
	for _, w := range ws {
		if w.Second() != 0 {
			return true
		}
	}
	return false
}

func clock(w time.Time, seconds bool) string {
	if seconds {
		return w.Format("15:04:05")
	}
	return w.Format("15:04")
}

func formatRun(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	if t.Second() != 0 {
		return t.Format("2006-01-02 15:04:05 MST")
	}
	return t.Format("2006-01-02 15:04 MST")
}
