package catchup

import (
	"strings"
	"testing"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/soracron/soracron/jobs"
	"github.com/soracron/soracron/scheduler/history"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// every10s is a job that ticks every 10 seconds.
func every10s() *jobs.Job {
	return &jobs.Job{Name: "j", Schedule: cron.Every(10 * time.Second), CatchUp: jobs.CatchUpLatest}
}

func at(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }

func TestLatestDue(t *testing.T) {
	tests := []struct {
		name  string
		now   time.Time
		want  time.Time
		wantN int
	}{
		{"only first", at(5), at(0), 1},
		{"on a tick", at(30), at(30), 4},
		{"between ticks", at(45), at(40), 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, n := LatestDue(every10s(), at(0), tt.now)
			if !got.Equal(tt.want) || n != tt.wantN {
				t.Errorf("LatestDue = %v, %d; want %v, %d", got, n, tt.want, tt.wantN)
			}
		})
	}
}

func TestNext(t *testing.T) {
	if got := Next(every10s(), at(3)); !got.Equal(at(13)) {
		t.Errorf("Next = %v, want %v", got, at(13))
	}
}

func TestReason(t *testing.T) {
	tests := []struct {
		name     string
		deadline time.Duration
		catchUp  jobs.CatchUp
		late     time.Duration
		want     string
	}{
		{"on time", 0, jobs.CatchUpNone, 500 * time.Millisecond, ""},
		{"late, latest", 0, jobs.CatchUpLatest, time.Minute, ""},
		{"late, none", 0, jobs.CatchUpNone, 2500 * time.Millisecond, "missed: 2.5s late, and catch_up is none"},
		{"within deadline", 3 * time.Second, jobs.CatchUpLatest, 2 * time.Second, ""},
		{"past deadline", 3 * time.Second, jobs.CatchUpLatest, 4 * time.Second,
			"missed: not started within starting_deadline 3s (4s late)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := every10s()
			j.StartingDeadline, j.CatchUp = tt.deadline, tt.catchUp
			if got := Reason(j, tt.late); got != tt.want {
				t.Errorf("Reason = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestTicksAndRows(t *testing.T) {
	tests := []struct {
		name      string
		before    time.Time
		total     int
		wantExtra bool
	}{
		{"a few", at(30), 3, false},
		{"more than MaxRecords", at(10 * (MaxRecords + 5)), MaxRecords + 5, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := every10s()
			ticks, n := Ticks(j, at(0), tt.before)
			if n != tt.total || len(ticks) != min(tt.total, MaxRecords) {
				t.Fatalf("Ticks: %d of %d, want %d", len(ticks), n, tt.total)
			}
			if last := ticks[len(ticks)-1]; !last.Equal(tt.before.Add(-10 * time.Second)) {
				t.Errorf("newest tick %v", last)
			}
			extra, ok, each := Rows(j, ticks, n, "why", at(1000))
			if ok != tt.wantExtra || len(each) != len(ticks) {
				t.Fatalf("Rows: extra %v, %d rows", ok, len(each))
			}
			if ok && (extra.Outcome != history.OutcomeMissed || !strings.HasPrefix(extra.Error, "why; 5 earlier scheduled times were missed too, before ")) {
				t.Errorf("extra row %+v", extra)
			}
			for i, r := range each {
				if !r.Scheduled.Equal(ticks[i]) || r.Outcome != history.OutcomeMissed || r.Error != "why" ||
					r.Trigger != history.TriggerSchedule || !r.Start.Equal(at(1000)) {
					t.Errorf("row %d: %+v", i, r)
				}
			}
		})
	}
}

func TestFirst(t *testing.T) {
	daily := &jobs.Job{Name: "d", Schedule: cron.Every(24 * time.Hour)}
	tests := []struct {
		name    string
		job     *jobs.Job
		now     time.Time
		aligned bool
		want    time.Time
	}{
		{"every, from now", every10s(), at(3), false, at(13)},
		{"every, aligned", every10s(), at(3), true, at(10)},
		{"every, aligned on a tick", every10s(), at(10), true, at(20)},
		{"daily, aligned", daily, t0.Add(5 * time.Hour), true, t0.Add(24 * time.Hour)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := First(tt.job, tt.now, tt.aligned); !got.Equal(tt.want) {
				t.Errorf("First = %v, want %v", got, tt.want)
			}
		})
	}
}
