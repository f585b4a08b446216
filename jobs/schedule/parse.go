package schedule

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// scheduleFields are the fields robfig/cron parses for us: an optional
// seconds field, then the five standard ones, plus @descriptors.
const scheduleFields = cron.SecondOptional | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor

// allHours are the bits of a SpecSchedule's Hour field for hours 0-23.
const allHours = 1<<24 - 1

var descriptors = []string{"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"}

// Parse parses a schedule of jobs.yaml for a job in loc: 5 or 6 fields,
// an @descriptor or "@every <duration>". Schedules that never fire are
// refused. The returned error is a message meant to follow
// `schedule "<spec>": `.
func Parse(spec string, loc *time.Location) (s cron.Schedule, err error) {
	spec = strings.TrimSpace(spec)
	switch {
	case spec == "":
		return nil, errors.New("is empty")
	case strings.HasPrefix(spec, "TZ=") || strings.HasPrefix(spec, "CRON_TZ="):
		return nil, errors.New(`time zone prefixes (TZ=, CRON_TZ=) are not supported; use the "timezone" key`)
	case strings.HasPrefix(spec, "@"):
		f := strings.Fields(spec)
		if f[0] == "@every" {
			return parseEvery(f)
		}
		if !slices.Contains(descriptors, f[0]) {
			return nil, fmt.Errorf("unknown descriptor %q (use @yearly, @monthly, @weekly, @daily, @hourly or @every <duration>)", f[0])
		}
		if len(f) > 1 {
			return nil, fmt.Errorf("unexpected %q after %s", strings.Join(f[1:], " "), f[0])
		}
		spec = f[0]
	default:
		f := strings.Fields(spec)
		if len(f) != 5 && len(f) != 6 {
			return nil, errors.New("expected 5 or 6 fields")
		}
		spec = strings.Join(f, " ")
	}

	// robfig/cron panics on some inputs; no schedule may bring the daemon down.
	defer func() {
		if r := recover(); r != nil {
			s, err = nil, fmt.Errorf("invalid schedule (%v)", r)
		}
	}()
	parsed, err := cron.NewParser(scheduleFields).Parse(spec)
	if err != nil {
		return nil, err
	}
	ss, ok := parsed.(*cron.SpecSchedule)
	if !ok {
		return nil, fmt.Errorf("unexpected schedule type %T", parsed)
	}
	ss.Location = loc
	if loc == time.Local {
		s = localSchedule{ss}
	} else {
		s = ss
	}
	if msg := neverFires(ss); msg != "" {
		return nil, errors.New(msg)
	}
	return s, nil
}

// neverFires explains why ss matches no time at all, "" when it matches
// some. Like robfig/cron, day of month and day of week are AND-ed when either
// is *, OR-ed otherwise.
func neverFires(ss *cron.SpecSchedule) string {
	const (
		star     = 1 << 63
		sixty    = 1<<60 - 1
		months   = 1<<13 - 2 // bits 1-12
		weekdays = 1<<7 - 1  // bits 0-6
	)
	if ss.Second&sixty == 0 || ss.Minute&sixty == 0 || ss.Hour&allHours == 0 || ss.Month&months == 0 {
		return "never fires (a field matches nothing)"
	}
	someDate := func() bool { // some month has one of the days of month
		daysIn := [13]int{0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}
		for m := 1; m <= 12; m++ {
			for d := 1; d <= daysIn[m] && ss.Month&(1<<uint(m)) != 0; d++ {
				if ss.Dom&(1<<uint(d)) != 0 {
					return true
				}
			}
		}
		return false
	}
	someWeekday := ss.Dow&weekdays != 0 // every month has every weekday
	var ok bool
	switch {
	case ss.Dow&star != 0:
		ok = someDate()
	case ss.Dom&star != 0:
		ok = someWeekday
	default:
		ok = someWeekday || someDate()
	}
	if !ok {
		return "never fires (no such date)"
	}
	return ""
}

// parseEvery parses the fields of "@every <duration>".
func parseEvery(f []string) (cron.Schedule, error) {
	if len(f) != 2 {
		return nil, errors.New(`expected "@every <duration>", e.g. "@every 30s"`)
	}
	d, err := time.ParseDuration(f[1])
	switch {
	case err != nil:
		return nil, fmt.Errorf("invalid duration %q (use a number with a unit: s, m, h, e.g. \"@every 1m30s\")", f[1])
	case d < time.Second:
		return nil, errors.New("the interval must be at least 1s")
	case d%time.Second != 0:
		return nil, errors.New("the interval must be a whole number of seconds")
	}
	return cron.Every(d), nil
}

// localSchedule evaluates a SpecSchedule in time.Local whatever the zone of
// the time given to Next: robfig/cron would otherwise evaluate a
// time.Local schedule in the zone of its argument.
type localSchedule struct{ *cron.SpecSchedule }

// Next returns the next activation after t, in t's location.
func (s localSchedule) Next(t time.Time) time.Time {
	next := s.SpecSchedule.Next(t.In(time.Local))
	if next.IsZero() {
		return next
	}
	return next.In(t.Location())
}

// specOf returns the SpecSchedule behind s, nil for @every schedules.
func specOf(s cron.Schedule) *cron.SpecSchedule {
	switch s := s.(type) {
	case *cron.SpecSchedule:
		return s
	case localSchedule:
		return s.SpecSchedule
	}
	return nil
}
