package jobs

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/robfig/cron/v3"
)

// testJob parses spec for a job in the named zone.
func testJob(t *testing.T, spec, zone string) *Job {
	t.Helper()
	loc := mustLoc(t, zone)
	s, err := parseSchedule(spec, loc)
	if err != nil {
		t.Fatalf("parseSchedule(%q): %v", spec, err)
	}
	return &Job{Name: "t", ScheduleSpec: spec, Schedule: s, Location: loc}
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestNextRuns(t *testing.T) {
	const layout = "2006-01-02 15:04:05 MST"
	tests := []struct {
		name, spec, zone, from string
		want                   []string
	}{
		{"Tokyo daily, strictly after from", "0 9 * * *", "Asia/Tokyo", "2025-01-01T00:00:00Z",
			[]string{"2025-01-02 09:00:00 JST", "2025-01-03 09:00:00 JST", "2025-01-04 09:00:00 JST"}},
		{"Tokyo every 5 minutes", "*/5 * * * *", "Asia/Tokyo", "2025-01-01T00:01:30Z",
			[]string{"2025-01-01 09:05:00 JST", "2025-01-01 09:10:00 JST", "2025-01-01 09:15:00 JST"}},
		{"Tokyo weekdays by name", "30 8 * * mon-fri", "Asia/Tokyo", "2025-01-03T00:00:00Z", // a Friday, 09:00 JST
			[]string{"2025-01-06 08:30:00 JST", "2025-01-07 08:30:00 JST", "2025-01-08 08:30:00 JST"}},
		{"Tokyo hourly", "@hourly", "Asia/Tokyo", "2025-01-01T00:30:00Z",
			[]string{"2025-01-01 10:00:00 JST", "2025-01-01 11:00:00 JST", "2025-01-01 12:00:00 JST"}},
		{"Tokyo midnight is not UTC midnight", "@daily", "Asia/Tokyo", "2025-01-01T00:00:00Z",
			[]string{"2025-01-02 00:00:00 JST", "2025-01-03 00:00:00 JST", "2025-01-04 00:00:00 JST"}},
		{"UTC monthly", "0 0 1 * *", "UTC", "2025-01-15T12:00:00Z",
			[]string{"2025-02-01 00:00:00 UTC", "2025-03-01 00:00:00 UTC", "2025-04-01 00:00:00 UTC"}},
		{"UTC with seconds", "30 */10 * * * *", "UTC", "2025-01-01T00:00:00Z",
			[]string{"2025-01-01 00:00:30 UTC", "2025-01-01 00:10:30 UTC", "2025-01-01 00:20:30 UTC"}},
		{"UTC leap day", "0 0 29 2 *", "UTC", "2025-01-01T00:00:00Z",
			[]string{"2028-02-29 00:00:00 UTC", "2032-02-29 00:00:00 UTC", "2036-02-29 00:00:00 UTC"}},
		{"UTC every 90s from a fraction of a second", "@every 90s", "UTC", "2025-01-01T00:00:00.5Z",
			[]string{"2025-01-01 00:01:30 UTC", "2025-01-01 00:03:00 UTC", "2025-01-01 00:04:30 UTC"}},
		{"every in Tokyo is shown in Tokyo", "@every 1h", "Asia/Tokyo", "2025-01-01T00:00:00Z",
			[]string{"2025-01-01 10:00:00 JST", "2025-01-01 11:00:00 JST", "2025-01-01 12:00:00 JST"}},
		// robfig/cron at DST transitions, as DSTWarnings describes it.
		{"Berlin gap: 02:30 skipped, not moved", "30 2 * * *", "Europe/Berlin", "2025-03-29T00:00:00Z",
			[]string{"2025-03-29 02:30:00 CET", "2025-03-31 02:30:00 CEST", "2025-04-01 02:30:00 CEST"}},
		{"Berlin repeat: 02:30 runs twice", "30 2 * * *", "Europe/Berlin", "2025-10-25T00:00:00Z",
			[]string{"2025-10-25 02:30:00 CEST", "2025-10-26 02:30:00 CEST", "2025-10-26 02:30:00 CET"}},
		{"New York gap: 02:30 skipped", "30 2 * * *", "America/New_York", "2025-03-08T00:00:00Z",
			[]string{"2025-03-08 02:30:00 EST", "2025-03-10 02:30:00 EDT", "2025-03-11 02:30:00 EDT"}},
		{"New York fall back: 02:30 once", "30 2 * * *", "America/New_York", "2025-11-01T00:00:00Z",
			[]string{"2025-11-01 02:30:00 EDT", "2025-11-02 02:30:00 EST", "2025-11-03 02:30:00 EST"}},
		{"New York repeat: 01:30 runs twice", "30 1 * * *", "America/New_York", "2025-11-01T12:00:00Z",
			[]string{"2025-11-02 01:30:00 EDT", "2025-11-02 01:30:00 EST", "2025-11-03 01:30:00 EST"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := testJob(t, tt.spec, tt.zone)
			runs := j.NextRuns(mustTime(t, tt.from), len(tt.want))
			var got []string
			for _, r := range runs {
				if r.Location() != j.Location {
					t.Errorf("run %v is in %v, want %v", r, r.Location(), j.Location)
				}
				got = append(got, r.Format(layout))
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("NextRuns = %q\nwant       %q", got, tt.want)
			}
		})
	}
	t.Run("zero runs", func(t *testing.T) {
		if runs := testJob(t, "@daily", "UTC").NextRuns(time.Now(), 0); len(runs) != 0 {
			t.Errorf("NextRuns(n=0) = %v", runs)
		}
	})
}

func TestLocalSchedule(t *testing.T) {
	s, err := parseSchedule("0 9 * * *", time.Local)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.(localSchedule); !ok {
		t.Fatalf("schedule for time.Local is %T, want localSchedule", s)
	}
	from := mustTime(t, "2025-06-01T00:00:00Z")
	inUTC, inLocal := s.Next(from), s.Next(from.In(time.Local))
	if !inUTC.Equal(inLocal) {
		t.Errorf("Next depends on the zone of its argument: %v vs %v", inUTC, inLocal)
	}
	if inUTC.Location() != time.UTC {
		t.Errorf("Next returned %v, want a time in the argument's zone", inUTC.Location())
	}
	if h := inUTC.In(time.Local).Hour(); h != 9 {
		t.Errorf("next run at %d:00 local time, want 9:00", h)
	}
}

func TestParseScheduleTypes(t *testing.T) {
	tokyo := mustLoc(t, "Asia/Tokyo")
	s, err := parseSchedule("  */5   * * * *  ", tokyo)
	if err != nil {
		t.Fatal(err)
	}
	ss, ok := s.(*cron.SpecSchedule)
	if !ok || ss.Location != tokyo {
		t.Errorf("schedule %#v, want a *cron.SpecSchedule in Asia/Tokyo", s)
	}
	e, err := parseSchedule("@every   2m", tokyo)
	if err != nil {
		t.Fatal(err)
	}
	if cd, ok := e.(cron.ConstantDelaySchedule); !ok || cd.Delay != 2*time.Minute {
		t.Errorf("schedule %#v, want a 2m ConstantDelaySchedule", e)
	}
}

// TestParseScheduleNeverPanics feeds robfig/cron inputs that make it panic
// or misbehave: each must give an error, never a panic.
func TestParseScheduleNeverPanics(t *testing.T) {
	for _, spec := range []string{
		"TZ=", "CRON_TZ=", "TZ=x", "TZ=Asia/Tokyo", "CRON_TZ= ", "@", "@every", "@every -1s", "@every 0s",
		"* * * * * * *", "1-2-3 * * * *", "*/0 * * * *", "5/ * * * *", "-1 * * * *", "1/2/3 * * * *",
		"99999999999999999999 * * * *", "0 0 0 0 0", "* * * * 13", "* * * * 8", "L * * * *", ",,, * * * *",
		"0 0 30 2 *", "0 0 0 31 11 *", "\x00 * * * *",
	} {
		t.Run(spec, func(t *testing.T) {
			s, err := parseSchedule(spec, time.UTC)
			if err == nil {
				t.Fatalf("no error, schedule %#v", s)
			}
			if err.Error() == "" {
				t.Error("empty error message")
			}
		})
	}
}

func TestDSTWarnings(t *testing.T) {
	from := mustTime(t, "2025-01-01T00:00:00Z")
	year := 365 * 24 * time.Hour
	tests := []struct {
		name, spec, zone string
		horizon          time.Duration
		want             []string
	}{
		{"Berlin 02:30: skipped in March, twice in October", "30 2 * * *", "Europe/Berlin", year, []string{
			"2025-03-30: 02:30 does not exist in Europe/Berlin (clocks jump from 02:00 CET to 03:00 CEST): the run is skipped, not moved; the next run is 2025-03-31 02:30 CEST",
			"2025-10-26: 02:30 occurs twice in Europe/Berlin (clocks go back from 03:00 CEST to 02:00 CET): the job runs twice, at 02:30 CEST and again at 02:30 CET",
		}},
		{"New York 02:30: skipped in March only", "30 2 * * *", "America/New_York", year, []string{
			"2025-03-09: 02:30 does not exist in America/New_York (clocks jump from 02:00 EST to 03:00 EDT): the run is skipped, not moved; the next run is 2025-03-10 02:30 EDT",
		}},
		{"New York 01:30: twice in November only", "30 1 * * *", "America/New_York", year, []string{
			"2025-11-02: 01:30 occurs twice in America/New_York (clocks go back from 02:00 EDT to 01:00 EST): the job runs twice, at 01:30 EDT and again at 01:30 EST",
		}},
		{"several times in the hour", "*/15 2 * * *", "Europe/Berlin", year, []string{
			"2025-03-30: 02:00, 02:15, 02:30 and 1 more do not exist in Europe/Berlin (clocks jump from 02:00 CET to 03:00 CEST): these runs are skipped, not moved; the next run is 2025-03-31 02:00 CEST",
			"2025-10-26: 02:00, 02:15, 02:30 and 1 more occur twice in Europe/Berlin (clocks go back from 03:00 CEST to 02:00 CET): the job runs at each of them twice, first in CEST, then again in CET",
		}},
		{"with seconds", "15 30 2 * * *", "America/New_York", year, []string{
			"2025-03-09: 02:30:15 does not exist in America/New_York (clocks jump from 02:00 EST to 03:00 EDT): the run is skipped, not moved; the next run is 2025-03-10 02:30:15 EDT",
		}},
		{"only on Sundays, which is when clocks change", "30 2 * * sun", "Europe/Berlin", year, []string{
			"2025-03-30: 02:30 does not exist in Europe/Berlin (clocks jump from 02:00 CET to 03:00 CEST): the run is skipped, not moved; the next run is 2025-04-06 02:30 CEST",
			"2025-10-26: 02:30 occurs twice in Europe/Berlin (clocks go back from 03:00 CEST to 02:00 CET): the job runs twice, at 02:30 CEST and again at 02:30 CET",
		}},
		{"not on the transition day", "30 2 * * mon", "Europe/Berlin", year, nil},
		{"horizon before the first transition", "30 2 * * *", "Europe/Berlin", 30 * 24 * time.Hour, nil},
		{"outside the affected hour", "30 4 * * *", "Europe/Berlin", year, nil},
		{"every five minutes keeps its spacing", "*/5 * * * *", "Europe/Berlin", year, nil},
		{"hourly keeps its spacing", "@hourly", "America/New_York", year, nil},
		{"@every is not affected", "@every 1h", "Europe/Berlin", year, nil},
		{"Tokyo has no DST", "30 2 * * *", "Asia/Tokyo", year, nil},
		{"UTC has no DST", "30 2 * * *", "UTC", year, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := DSTWarnings(testJob(t, tt.spec, tt.zone), from, tt.horizon)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("DSTWarnings =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

// TestNeverFires checks the static "never fires" analysis against
// robfig/cron's own search (five years ahead of a leap year).
func TestNeverFires(t *testing.T) {
	tests := []struct {
		spec, err string
	}{
		{"0 0 29 2 *", ""},
		{"0 0 31 * *", ""},
		{"0 0 31 4 mon", ""}, // day of month OR day of week
		{"0 0 , * 1", ""},    // an empty day of month, OR-ed with Mondays
		{"0 0 * 2 mon", ""},
		{"0 0 30 2 *", "never fires (no such date)"},
		{"0 0 31 4,6,9,11 *", "never fires (no such date)"},
		{"0 0 31 2 ?", "never fires (no such date)"},
		{",,, * * * *", "never fires (a field matches nothing)"},
		{"0 , * * *", "never fires (a field matches nothing)"},
		{"0 0 1 , *", "never fires (a field matches nothing)"},
		{"0 0 * * ,", "never fires (no such date)"},
	}
	raw := cron.NewParser(scheduleFields)
	from := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			_, err := parseSchedule(tt.spec, time.UTC)
			if got := errString(err); got != tt.err {
				t.Errorf("error %q, want %q", got, tt.err)
			}
			s, rerr := raw.Parse(tt.spec)
			if rerr != nil {
				t.Fatalf("robfig/cron rejects %q: %v", tt.spec, rerr)
			}
			if fires := !s.Next(from).IsZero(); fires != (tt.err == "") {
				t.Errorf("robfig/cron fires: %v, but the error is %q", fires, tt.err)
			}
		})
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
