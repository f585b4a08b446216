package scheduler

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/soracron/soracron/scheduler/history"
)

// TestDaemonRunContext: a scheduled run's script sees its job, trigger
// "schedule", its tick and its history id through require("run"); a
// manual run sees trigger "manual" and no tick; single-node mode has no
// node.
func TestDaemonRunContext(t *testing.T) {
	h := newHarness(t, jobsHeader+`
jobs:
  - name: ctx
    schedule: "@every 10s"
    script: scripts/runinfo.lua
`, harnessOptions{})
	h.tick(10 * time.Second)
	h.waitRuns("ctx", 1, "finished", finished)
	if _, err := h.s.Trigger(context.Background(), "ctx"); err != nil {
		t.Fatal(err)
	}
	runs := h.waitRuns("ctx", 2, "finished", finished)
	tests := []struct {
		name    string
		trigger string
		want    func(r history.Run) map[string]any
	}{
		{"scheduled", history.TriggerSchedule, func(r history.Run) map[string]any {
			return map[string]any{"job": "ctx", "trigger": "schedule", "scheduled": fmt.Sprint(epoch.Add(10 * time.Second).Unix()), "id": fmt.Sprint(r.ID)}
		}},
		{"manual", history.TriggerManual, func(r history.Run) map[string]any {
			return map[string]any{"job": "ctx", "trigger": "manual", "id": fmt.Sprint(r.ID)}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r *history.Run
			for i := range runs {
				if runs[i].Trigger == tt.trigger {
					r = &runs[i]
				}
			}
			if r == nil || r.Outcome != history.OutcomeOK {
				t.Fatalf("no ok %s run in %+v", tt.trigger, runs)
			}
			var got map[string]any
			dec := json.NewDecoder(bytes.NewReader(r.Result))
			dec.UseNumber()
			if err := dec.Decode(&got); err != nil {
				t.Fatalf("result %s: %v", r.Result, err)
			}
			want := tt.want(*r)
			if len(got) != len(want) {
				t.Errorf("result %s, want the fields %v", r.Result, want)
			}
			for k, w := range want {
				if g := fmt.Sprint(got[k]); g != w {
					t.Errorf("%s = %s, want %s (result %s)", k, g, w, r.Result)
				}
			}
		})
	}
}
