package engine_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/soracron/soracron/engine"
)

// TestPrewarmIsolation checks that runs on prewarmed sandboxes are as
// isolated as runs on sandboxes built for them: whatever a run changes in
// its globals, libraries or modules, the next run does not see it.
func TestPrewarmIsolation(t *testing.T) {
	dir := t.TempDir()
	spoil := writeScriptIn(t, dir, "spoil.lua", `
		string.upper = nil; table.insert = nil; math.pi = 3; os.time = nil
		print = nil; pcall = nil; x = 1; args.extra = true
		require("json").null = "spoiled"; package.loaded.json = "spoiled"
		return 1`)
	check := writeScriptIn(t, dir, "check.lua", `
		local json = require("json")
		return string.upper ~= nil and table.insert ~= nil and math.pi > 3.14 and os.time ~= nil
			and print ~= nil and pcall ~= nil and x == nil and args.extra == nil
			and type(json.null) == "userdata" and type(json.encode) == "function"`)
	tests := []struct {
		name    string
		prewarm int
	}{
		{"built at run time", 0},
		{"prewarmed", 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := engine.New(engine.Options{})
			if got := e.Prewarm(tt.prewarm); got != tt.prewarm {
				t.Fatalf("Prewarm(%d) built %d", tt.prewarm, got)
			}
			for i := range 2 {
				if res, err := e.Run(context.Background(), engine.Request{Script: spoil}); err != nil || fmt.Sprint(res.Value) != "1" {
					t.Fatalf("spoil run %d: %v, %v", i, res.Value, err)
				}
				res, err := e.Run(context.Background(), engine.Request{Script: check, Args: map[string]any{}})
				if err != nil {
					t.Fatal(err)
				}
				if res.Value != true {
					t.Errorf("check run %d after a run that changed its sandbox = %v, want true", i, res.Value)
				}
			}
			if got, want := e.Prewarmed(), 0; got != want {
				t.Errorf("Prewarmed() after 4 runs = %d, want %d", got, want)
			}
		})
	}
}

func TestPrewarm(t *testing.T) {
	e := engine.New(engine.Options{})
	steps := []struct {
		name        string
		prewarm     int
		wantBuilt   int
		wantReady   int
		runsAfter   int
		wantReadyAt int
	}{
		{"builds up to n", 3, 3, 3, 1, 2},
		{"only the missing ones", 5, 3, 5, 0, 5},
		{"n below what is ready", 2, 0, 5, 5, 0},
		{"capped", engine.MaxPrewarmed + 10, engine.MaxPrewarmed, engine.MaxPrewarmed, 0, engine.MaxPrewarmed},
	}
	path := writeScript(t, "return 1")
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if got := e.Prewarm(st.prewarm); got != st.wantBuilt {
				t.Errorf("Prewarm(%d) = %d, want %d", st.prewarm, got, st.wantBuilt)
			}
			if got := e.Prewarmed(); got != st.wantReady {
				t.Errorf("Prewarmed() = %d, want %d", got, st.wantReady)
			}
			for range st.runsAfter {
				if _, err := e.Run(context.Background(), engine.Request{Script: path}); err != nil {
					t.Fatal(err)
				}
			}
			if got := e.Prewarmed(); got != st.wantReadyAt {
				t.Errorf("Prewarmed() after %d runs = %d, want %d", st.runsAfter, got, st.wantReadyAt)
			}
		})
	}
}

// TestPrewarmConcurrent runs and prewarms at the same time (for -race):
// every run gets a sandbox of its own.
func TestPrewarmConcurrent(t *testing.T) {
	e := engine.New(engine.Options{})
	path := writeScript(t, "assert(mine == nil); mine = args.n; return mine")
	var wg sync.WaitGroup
	wg.Go(func() {
		for range 20 {
			e.Prewarm(5)
		}
	})
	errs := make(chan error, 40)
	for i := range 40 {
		wg.Go(func() {
			res, err := e.Run(context.Background(), engine.Request{Script: path, Args: map[string]any{"n": i}})
			if err == nil && fmt.Sprint(res.Value) != fmt.Sprint(i) {
				err = fmt.Errorf("run %d returned %v", i, res.Value)
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

func TestOnStart(t *testing.T) {
	tests := []struct {
		name      string
		src       string
		wantCalls int
	}{
		{"called before the script", "return require('time').now()", 1},
		{"script error", "error('boom')", 1},
		{"syntax error: not called", "return (", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := engine.New(engine.Options{})
			calls := 0
			var at time.Time
			res, _ := e.Run(context.Background(), engine.Request{
				Script:  writeScript(t, tt.src),
				OnStart: func() { calls++; at = time.Now() },
			})
			if calls != tt.wantCalls {
				t.Fatalf("OnStart called %d times, want %d", calls, tt.wantCalls)
			}
			if tt.name == "called before the script" {
				now, err := strconv.ParseFloat(fmt.Sprint(res.Value), 64)
				if err != nil {
					t.Fatalf("result %v: %v", res.Value, err)
				}
				// time.now() has microseconds at best.
				if started := float64(at.UnixMicro()) / 1e6; started > now+1e-6 {
					t.Errorf("OnStart at %.6f, after the script's time.now() %.6f", started, now)
				}
			}
		})
	}
}

// writeScriptIn writes src to dir/name and returns its path.
func writeScriptIn(t *testing.T, dir, name, src string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
