package schedule

import (
	"testing"
	"time"

	"github.com/robfig/cron/v3"
)

// testSchedule parses spec for a job in the named zone.
func testSchedule(t *testing.T, spec, zone string) (cron.Schedule, *time.Location) {
	t.Helper()
	loc := mustLoc(t, zone)
	s, err := Parse(spec, loc)
	if err != nil {
		t.Fatalf("Parse(%q): %v", spec, err)
	}
	return s, loc
}

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestLocalSchedule(t *testing.T) {
	s, err := Parse("0 9 * * *", time.Local)
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
	s, err := Parse("  */5   * * * *  ", tokyo)
	if err != nil {
		t.Fatal(err)
	}
	ss, ok := s.(*cron.SpecSchedule)
	if !ok || ss.Location != tokyo {
		t.Errorf("schedule %#v, want a *cron.SpecSchedule in Asia/Tokyo", s)
	}
	e, err := Parse("@every   2m", tokyo)
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
			s, err := Parse(spec, time.UTC)
			if err == nil {
				t.Fatalf("no error, schedule %#v", s)
			}
			if err.Error() == "" {
				t.Error("empty error message")
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
			_, err := Parse(tt.spec, time.UTC)
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
