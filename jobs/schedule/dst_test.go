package schedule

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

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
			s, loc := testSchedule(t, tt.spec, tt.zone)
			got := DSTWarnings(s, loc, from, tt.horizon)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("DSTWarnings =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}
