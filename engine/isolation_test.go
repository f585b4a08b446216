package engine_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/soracron/soracron/engine"
)

// The test binary serves as the child of isolated runs: with
// childEnv=serve it runs engine.ServeChild; with childEnv=hang it reads
// its request and then ignores signals and never answers (a child stuck
// in a Go call), to show it is killed at the timeout.
const childEnv = "SORACRON_ENGINE_TEST_CHILD"

func TestMain(m *testing.M) {
	switch os.Getenv(childEnv) {
	case "serve":
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := engine.ServeChild(ctx, os.Stdin, os.Stdout)
		stop()
		os.Exit(code)
	case "hang":
		signal.Ignore(os.Interrupt, syscall.SIGTERM)
		_, _ = os.Stdin.Read(make([]byte, 1<<16))
		select {}
	}
	os.Exit(m.Run())
}

// isolatedEngine is an engine whose isolated runs start this test binary
// in child mode mode.
func isolatedEngine(t testing.TB, mode string, logger *slog.Logger) *engine.Engine {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return engine.New(engine.Options{Logger: logger, Child: engine.ChildOptions{
		Command: []string{exe}, Env: []string{childEnv + "=" + mode}}})
}

// TestIsolatedRun: a run in a child process returns what an in-process
// run returns (value, logs, errors with position and traceback, kinds).
func TestIsolatedRun(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	e := isolatedEngine(t, "serve", logger)
	t.Run("result and logs", func(t *testing.T) {
		started := false
		res, err := e.Run(context.Background(), engine.Request{
			Script: writeScript(t, `print("hello", args.n) require("log").info("structured", {k = "v"}) return {n = args.n, s = "x"}`),
			Args:   map[string]any{"n": 3}, Isolation: engine.IsolationProcess, Timeout: 30 * time.Second,
			OnStart: func() { started = true },
		})
		if err != nil {
			t.Fatal(err)
		}
		m, _ := res.Value.(map[string]any)
		if !res.HasValue || toString(m["n"]) != "3" || m["s"] != "x" || !started {
			t.Errorf("value %v (has %v), started %v", res.Value, res.HasValue, started)
		}
		for _, w := range []string{`msg="hello\t3" source=print`, `msg=structured k=v`} {
			if !strings.Contains(logs.String(), w) {
				t.Errorf("logs lack %q:\n%s", w, logs.String())
			}
		}
	})
	errTests := []struct {
		name, src string
		kind      engine.ErrorKind
		line      int
		msg       string
	}{
		{"runtime error", "local x = 1\nerror('boom')\n", engine.Runtime, 2, "boom"},
		{"syntax error", "local x = = 1\n", engine.Syntax, 1, "syntax error"},
		{"timeout", `while true do end`, engine.Timeout, 1, "timed out"},
	}
	for _, tt := range errTests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.Run(context.Background(), engine.Request{Script: writeScript(t, tt.src), Isolation: engine.IsolationProcess, Timeout: time.Second})
			se := scriptError(t, err)
			if se.Kind != tt.kind || se.Line != tt.line || !strings.Contains(se.Message, tt.msg) {
				t.Errorf("got %v line %d %q", se.Kind, se.Line, se.Message)
			}
			if tt.kind == engine.Timeout && !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("timeout error is not DeadlineExceeded: %v", err)
			}
		})
	}
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(300*time.Millisecond, cancel)
		_, err := e.Run(ctx, engine.Request{Script: writeScript(t, `while true do end`), Isolation: engine.IsolationProcess})
		if se := scriptError(t, err); se.Kind != engine.Cancelled {
			t.Errorf("got %v", se)
		}
	})
}

// TestIsolatedMemoryLimit: memory bombs in a child end as MemoryLimit
// errors, the parent's heap untouched.
func TestIsolatedMemoryLimit(t *testing.T) {
	e := isolatedEngine(t, "serve", nil)
	tests := []struct{ name, src string }{
		{"string doubling", `local s = "x" for i = 1, 40 do s = s .. s end return #s`},
		{"growing table", `local t = {} local i = 0 while true do i = i + 1 t[i] = {i, tostring(i)} end`},
		{"kept coroutines", `local cos = {} while true do local co = coroutine.create(function() coroutine.yield() end) coroutine.resume(co) cos[#cos + 1] = co end`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.Run(context.Background(), engine.Request{Script: writeScript(t, tt.src), Isolation: engine.IsolationProcess,
				MemoryLimit: 32 << 20, Timeout: 2 * time.Minute})
			se := scriptError(t, err)
			if se.Kind != engine.MemoryLimit || !strings.Contains(se.Message, "memory limit of 32 MiB exceeded") {
				t.Errorf("got %v: %v", se.Kind, se)
			}
		})
	}
}

// TestIsolatedKilledAtTimeout: a child that ignores signals and never
// answers is killed at the timeout (plus a short grace).
func TestIsolatedKilledAtTimeout(t *testing.T) {
	e := isolatedEngine(t, "hang", nil)
	for _, timeout := range []time.Duration{200 * time.Millisecond, 500 * time.Millisecond, time.Second} {
		t.Run(timeout.String(), func(t *testing.T) {
			start := time.Now()
			_, err := e.Run(context.Background(), engine.Request{Script: writeScript(t, `return 1`), Isolation: engine.IsolationProcess, Timeout: timeout})
			if se := scriptError(t, err); se.Kind != engine.Timeout || !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("got %v", se)
			}
			if elapsed := time.Since(start); elapsed > timeout+stopBound {
				t.Errorf("ended after %s", elapsed)
			}
		})
	}
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(200*time.Millisecond, cancel)
		start := time.Now()
		_, err := e.Run(ctx, engine.Request{Script: writeScript(t, `return 1`), Isolation: engine.IsolationProcess})
		if se := scriptError(t, err); se.Kind != engine.Cancelled {
			t.Errorf("got %v", se)
		}
		if elapsed := time.Since(start); elapsed > 200*time.Millisecond+stopBound {
			t.Errorf("ended after %s", elapsed)
		}
	})
}

// BenchmarkIsolation runs a trivial script in this process and in a child
// process in the same run: the ratio of their ns/op is the per-run cost
// of isolation.
//
//	go test -run '^$' -bench BenchmarkIsolation -benchtime 50x ./engine/
func BenchmarkIsolation(b *testing.B) {
	path := writeScriptB(b, `return 1`)
	for _, iso := range []engine.Isolation{engine.IsolationNone, engine.IsolationProcess} {
		b.Run(string(iso), func(b *testing.B) {
			e := isolatedEngine(b, "serve", nil)
			for b.Loop() {
				res, err := e.Run(context.Background(), engine.Request{Script: path, Isolation: iso, Timeout: time.Minute})
				if err != nil || !res.HasValue {
					b.Fatal(res, err)
				}
			}
		})
	}
}

func writeScriptB(b *testing.B, src string) string {
	path := b.TempDir() + "/trivial.lua"
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		b.Fatal(err)
	}
	return path
}
