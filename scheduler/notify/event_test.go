package notify

import (
	"slices"
	"testing"

	"github.com/soracron/soracron/jobs"
	"github.com/soracron/soracron/scheduler/history"
)

func TestEvent(t *testing.T) {
	tests := []struct {
		name      string
		o         history.Outcome
		wasBad    bool
		wantEvent string
		wantBad   bool
	}{
		{"failed", history.OutcomeFailed, false, "failed", true},
		{"missed after a failure", history.OutcomeMissed, true, "missed", true},
		{"partial", history.OutcomePartial, false, "partial", true},
		{"ok after ok", history.OutcomeOK, false, "", false},
		{"ok after a failure: recovered", history.OutcomeOK, true, jobs.NotifyRecovered, false},
		{"skipped keeps the state", history.OutcomeSkipped, true, "", true},
		{"cancelled keeps the state", history.OutcomeCancelled, false, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			event, bad := Event(tt.o, tt.wasBad)
			if event != tt.wantEvent || bad != tt.wantBad {
				t.Errorf("Event(%s, %v) = %q, %v; want %q, %v", tt.o, tt.wasBad, event, bad, tt.wantEvent, tt.wantBad)
			}
		})
	}
}

func TestTargets(t *testing.T) {
	global := []*jobs.Webhook{{URL: "http://g/failed", On: []string{"failed"}}, {URL: "http://g/all", On: []string{"failed", "recovered"}}}
	job := []*jobs.Webhook{{URL: "http://j/recovered", On: []string{"recovered"}}}
	tests := []struct {
		name, event string
		want        []string
	}{
		{"failed: global only", "failed", []string{"http://g/failed", "http://g/all"}},
		{"recovered: global first", "recovered", []string{"http://g/all", "http://j/recovered"}},
		{"nobody", "timeout", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, tg := range Targets(global, job, tt.event) {
				got = append(got, tg.URL)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Targets = %v, want %v", got, tt.want)
			}
		})
	}
}
