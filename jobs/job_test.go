package jobs

import (
	"reflect"
	"testing"
	"time"

	"github.com/soracron/soracron/jobs/schedule"
)

// testJob parses spec for a job in the named zone.
func testJob(t *testing.T, spec, zone string) *Job {
	t.Helper()
	loc := mustLoc(t, zone)
	s, err := schedule.Parse(spec, loc)
	if err != nil {
		t.Fatalf("schedule.Parse(%q): %v", spec, err)
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

func TestSameScheduleAndSettings(t *testing.T) {
	tests := []struct {
		name         string
		change       func(j *Job)
		wantSchedule bool
		wantSettings bool
	}{
		{"unchanged", func(*Job) {}, true, true},
		{"spec", func(j *Job) { j.ScheduleSpec = "@every 2m" }, false, false},
		{"zone", func(j *Job) { j.Location = mustLoc(t, "Asia/Tokyo") }, false, false},
		{"disabled", func(j *Job) { j.Enabled = false }, false, false},
		{"script", func(j *Job) { j.Script = "b.lua" }, true, false},
		{"timeout", func(j *Job) { j.Timeout = time.Hour }, true, false},
		{"policy", func(j *Job) { j.ConcurrencyPolicy = Allow }, true, false},
		{"args", func(j *Job) { j.Args = map[string]any{"k": "w"} }, true, false},
		{"on", func(j *Job) { j.On = nil }, true, false},
		{"name only", func(j *Job) { j.Name = "other" }, true, true},
	}
	base := func() *Job {
		j := testJob(t, "@every 1m", "UTC")
		j.Enabled, j.Script, j.Timeout, j.ConcurrencyPolicy = true, "a.lua", time.Minute, Forbid
		j.Args = map[string]any{"k": "v"}
		j.On = []Trigger{{Type: "connection.created"}}
		return j
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := base(), base()
			tt.change(b)
			if got := a.SameSchedule(b); got != tt.wantSchedule {
				t.Errorf("SameSchedule = %v, want %v", got, tt.wantSchedule)
			}
			if got := a.SameSettings(b); got != tt.wantSettings {
				t.Errorf("SameSettings = %v, want %v", got, tt.wantSettings)
			}
		})
	}
}
