package runreport

import (
	"errors"
	"testing"
	"time"

	sorastats "github.com/soracron/soracron/bindings/sora/stats"
	"github.com/soracron/soracron/engine"
)

// TestLine checks the one line every run ends with: its outcome, its
// duration and what it did.
func TestLine(t *testing.T) {
	tests := []struct {
		name string
		res  *engine.Result
		err  error
		want string
	}{
		{"nothing done", &engine.Result{Duration: 1500 * time.Microsecond}, nil,
			"soracron: ok in 2ms: 0 calls, 0 failed, 0 writes"},
		{"calls by action, sorted", &engine.Result{Duration: time.Second, Stats: sorastats.Stats{
			Calls: map[string]int{"put_item": 2, "list": 1}, Writes: 2}}, nil,
			"soracron: ok in 1s: 3 calls (1 list, 2 put_item), 0 failed, 2 writes"},
		{"one of each, dry run", &engine.Result{Stats: sorastats.Stats{Calls: map[string]int{"put": 1}, Writes: 1, DryRun: true}}, nil,
			"soracron: ok in 0s: 1 call (1 put), 0 failed, 1 write planned (dry run)"},
		{"partial, gone and handled", &engine.Result{Stats: sorastats.Stats{Calls: map[string]int{"put_item": 4}, Failures: 3,
			Writes: 1, WriteFailures: 2, Handled: 1, Gone: 1}}, nil,
			"soracron: partial in 0s: 4 calls (4 put_item), 3 failed, 1 write, 1 gone, 1 handled"},
		{"update_all did not reach every connection", &engine.Result{Stats: sorastats.Stats{
			Connections: sorastats.ConnCounts{Connections: 5, Written: 2, Failed: 1, NotReached: 1, Unchanged: 1, IDsFile: "ids.txt"}}}, nil,
			"soracron: ok in 0s: 0 calls, 0 failed, 0 writes; update_all: 5 connections: 2 written, 1 failed, 0 gone, 1 not reached, 1 unchanged (ids in ids.txt)"},
		{"failed", &engine.Result{}, errors.New("boom"), "soracron: failed in 0s: 0 calls, 0 failed, 0 writes"},
		{"timeout", &engine.Result{}, &engine.ScriptError{Kind: engine.Timeout}, "soracron: timeout in 0s: 0 calls, 0 failed, 0 writes"},
		{"interrupted", &engine.Result{}, &engine.ScriptError{Kind: engine.Cancelled}, "soracron: interrupted in 0s: 0 calls, 0 failed, 0 writes"},
		{"memory limit", &engine.Result{}, &engine.ScriptError{Kind: engine.MemoryLimit}, "soracron: memory_limit in 0s: 0 calls, 0 failed, 0 writes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Line(tt.res, tt.err); got != tt.want {
				t.Errorf("Line = %q\nwant   %q", got, tt.want)
			}
		})
	}
}
