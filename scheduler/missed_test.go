package scheduler

import (
	"context"
	"log/slog"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/soracron/soracron/jobs"
	"github.com/soracron/soracron/scheduler/history"
)

// outcomes returns the scheduled times of job's records by outcome, as
// offsets from epoch.
func outcomes(h *harness, job string) map[history.Outcome][]time.Duration {
	out := map[history.Outcome][]time.Duration{}
	for _, r := range h.runs(job) {
		out[r.Outcome] = append(out[r.Outcome], r.Scheduled.Sub(epoch))
	}
	for _, v := range out {
		slices.Sort(v)
	}
	return out
}

func sameOffsets(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestDaemonMissedPolicies: ticks due at once after a pause follow
// catch_up and starting_deadline.
func TestDaemonMissedPolicies(t *testing.T) {
	for _, tc := range []struct {
		name, settings string
		ok, missed     []time.Duration
	}{
		{"latest", "", []time.Duration{40 * time.Second}, []time.Duration{10 * time.Second, 20 * time.Second, 30 * time.Second}},
		{"none", "catch_up: none", nil, []time.Duration{10 * time.Second, 20 * time.Second, 30 * time.Second, 40 * time.Second}},
		{"deadline passed", "starting_deadline: 3s", nil, []time.Duration{10 * time.Second, 20 * time.Second, 30 * time.Second, 40 * time.Second}},
		{"within deadline", "starting_deadline: 6s", []time.Duration{40 * time.Second}, []time.Duration{10 * time.Second, 20 * time.Second, 30 * time.Second}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, jobsHeader+`
defaults: {`+tc.settings+`}
jobs:
  - name: one
    schedule: "@every 10s"
    script: scripts/one.lua
`, harnessOptions{})
			// The process is paused for 45 s: ticks 10s to 40s are due at once.
			h.tick(45 * time.Second)
			// The missed records are written in the background, and the
			// run is recorded running before its outcome.
			want := len(tc.ok) + len(tc.missed)
			waitFor(t, 15*time.Second, func() bool { return h.count("one", finished) == want },
				"%d finished records (have %v)", want, lazyRuns{h, "one"})
			got := outcomes(h, "one")
			if !sameOffsets(got[history.OutcomeOK], tc.ok) || !sameOffsets(got[history.OutcomeMissed], tc.missed) {
				t.Fatalf("outcomes %v, want ok %v missed %v", got, tc.ok, tc.missed)
			}
		})
	}
}

// TestDaemonCatchUpFromHistory: a daemon that starts again finds in its
// history the ticks missed while it was down.
func TestDaemonCatchUpFromHistory(t *testing.T) {
	for _, tc := range []struct {
		name, settings string
		ok, missed     []time.Duration
	}{
		{"latest", "", []time.Duration{10 * time.Second, 60 * time.Second}, []time.Duration{20 * time.Second, 30 * time.Second, 40 * time.Second, 50 * time.Second}},
		{"none", "catch_up: none", []time.Duration{10 * time.Second}, []time.Duration{20 * time.Second, 30 * time.Second, 40 * time.Second, 50 * time.Second, 60 * time.Second}},
		{"deadline", "starting_deadline: 2s", []time.Duration{10 * time.Second}, []time.Duration{20 * time.Second, 30 * time.Second, 40 * time.Second, 50 * time.Second, 60 * time.Second}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			yaml := jobsHeader + `
defaults: {` + tc.settings + `}
jobs:
  - name: one
    schedule: "@every 10s"
    script: scripts/one.lua
`
			h := newHarness(t, yaml, harnessOptions{})
			h.tick(10 * time.Second)
			h.waitRuns("one", 1, "ok", outcomeIs(history.OutcomeOK))
			h.stop()
			// Down from 10 s to 65 s: ticks 20 s to 60 s were missed.
			cfg, err := jobs.Load(filepath.Join(h.dir, "jobs.yaml"), nil)
			if err != nil {
				t.Fatal(err)
			}
			clock := newFakeClock(epoch.Add(65 * time.Second))
			s, err := New(Options{Config: cfg, Runner: h.eng, History: h.store, Clock: clock,
				Logger: slog.New(slog.NewTextHandler(h.logs, nil))})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- s.Run(ctx) }()
			want := len(tc.ok) + len(tc.missed)
			waitFor(t, 10*time.Second, func() bool {
				n := 0
				for _, r := range h.runs("one") {
					if r.Outcome != history.OutcomeRunning {
						n++
					}
				}
				return n == want
			}, "%d records (have %v)", want, lazyRuns{h, "one"})
			// Run returns once every record is written: an extra one would show.
			cancel()
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			got := outcomes(h, "one")
			if !sameOffsets(got[history.OutcomeOK], tc.ok) || !sameOffsets(got[history.OutcomeMissed], tc.missed) {
				t.Fatalf("outcomes %v, want ok %v missed %v", got, tc.ok, tc.missed)
			}
		})
	}
}
