package scheduler

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/soracron/soracron/scheduler/history"
)

// TestDaemonPinsScripts checks that the runs of a job execute the script
// as compiled by the last successful load or reload: an edit of the file
// without a reload, or a reload refused for a syntax error, changes
// nothing; a valid reload switches to the new code.
func TestDaemonPinsScripts(t *testing.T) {
	const cfg = jobsHeader + `
jobs:
  - name: pin
    schedule: "@every 10s"
    script: scripts/pin.lua
`
	h := newHarness(t, strings.Replace(cfg, "scripts/pin.lua", "scripts/one.lua", 1), harnessOptions{})
	script := filepath.Join(h.dir, "scripts", "pin.lua")
	write := func(t *testing.T, src string) {
		t.Helper()
		if err := os.WriteFile(script, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(t, `return "v1"`)
	if err := h.s.Reload(h.load(cfg)); err != nil {
		t.Fatal(err)
	}
	results := func(t *testing.T, n int) []string {
		t.Helper()
		runs := h.waitRuns("pin", n, "finished", finished)
		var out []string
		for _, r := range runs {
			if r.Outcome != history.OutcomeOK {
				t.Fatalf("run #%d: %s %s, want ok", r.ID, r.Outcome, r.Error)
			}
			out = append(out, string(r.Result))
		}
		return out
	}
	want := func(t *testing.T, got []string, last ...string) {
		t.Helper()
		if len(got) < len(last) || strings.Join(got[len(got)-len(last):], " ") != strings.Join(last, " ") {
			t.Fatalf("results = %v, want the last to be %v", got, last)
		}
	}
	trigger := func(t *testing.T) {
		t.Helper()
		if _, err := h.s.Trigger(context.Background(), "pin"); err != nil {
			t.Fatal(err)
		}
	}

	h.tick(10 * time.Second)
	want(t, results(t, 1), `"v1"`)

	t.Run("an edit without reload does not change what runs", func(t *testing.T) {
		write(t, `return "edited"`)
		h.tick(10 * time.Second)
		want(t, results(t, 2), `"v1"`)
		trigger(t)
		want(t, results(t, 3), `"v1"`)
	})
	t.Run("a reload refused for a syntax error keeps the compiled code", func(t *testing.T) {
		write(t, "return (\n")
		err := h.s.Reload(h.load(cfg))
		if err == nil || !strings.Contains(err.Error(), "pin.lua") {
			t.Fatalf("Reload = %v, want a syntax error in pin.lua", err)
		}
		h.tick(10 * time.Second)
		want(t, results(t, 4), `"v1"`)
		trigger(t)
		want(t, results(t, 5), `"v1"`)
	})
	t.Run("a valid reload switches to the new code", func(t *testing.T) {
		write(t, `return "v2"`)
		if err := h.s.Reload(h.load(cfg)); err != nil {
			t.Fatal(err)
		}
		h.tick(10 * time.Second)
		want(t, results(t, 6), `"v2"`)
		trigger(t)
		want(t, results(t, 7), `"v2"`)
	})
}
