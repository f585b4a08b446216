package engine_test

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/soracron/soracron/engine"
)

// stopBound is how long past its timeout a run may take to end in these
// tests: the rule is about 100 ms; the bound leaves room for a loaded
// machine (CI runs many packages at once on two cores).
const stopBound = 2 * time.Second

// hostileRun runs src with timeout and checks that it ends as a timeout
// within stopBound past it, allocating less than maxAlloc bytes.
func hostileRun(t *testing.T, e *engine.Engine, src string, timeout time.Duration, maxAlloc uint64) *engine.ScriptError {
	t.Helper()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	done := make(chan error, 1)
	go func() {
		_, err := e.Run(context.Background(), engine.Request{Script: writeScript(t, src), Timeout: timeout})
		done <- err
	}()
	var err error
	select {
	case err = <-done:
	case <-time.After(timeout + 30*time.Second):
		t.Fatal("the run outlived its timeout by 30 s")
	}
	if elapsed := time.Since(start); elapsed > timeout+stopBound {
		t.Errorf("ended %s after its start, %s past its timeout", elapsed.Round(time.Millisecond), (elapsed - timeout).Round(time.Millisecond))
	}
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if got := after.TotalAlloc - before.TotalAlloc; maxAlloc > 0 && got > maxAlloc {
		t.Errorf("the run allocated %d MiB", got>>20)
	}
	return scriptError(t, err)
}

// TestHostileTimeout: every construct that could run on in Go code past
// the run's end stops within the bound: pattern matching (each function,
// several pathological patterns), the string functions on huge strings,
// table.sort and table.concat on big tables, loadstring of a slow chunk,
// deep tail calls (whose traceback used to grow a line per tail call).
func TestHostileTimeout(t *testing.T) {
	const a200k = `local s = string.rep("a", 200000) `
	const huge = `local s = string.rep("a", 2^25) s = s .. s `
	tests := []struct{ name, src string }{
		{"find lazy", a200k + `return s:find(".-.-.-.-b")`},
		{"find greedy", a200k + `return s:find("a*a*a*a*b")`},
		{"find back reference", a200k + `return s:find("(a*)%1%1b")`},
		{"find balanced", `local s = string.rep("(", 2^22) while true do s:find("%b()") end`},
		{"match", a200k + `return s:match(".-.-.-.-b")`},
		{"match optional chain", a200k + `return s:match("` + strings.Repeat("a?", 30) + strings.Repeat("a", 30) + `b")`},
		{"gmatch", a200k + `for x in s:gmatch(".-.-.-b") do end`},
		{"gsub", a200k + `return s:gsub(".-.-.-.-b", "")`},
		{"gsub many matches", `local s = string.rep("a", 2^25) while true do s:gsub("a", "a") end`},
		{"find plain", huge + `while true do s:find("b", 1, true) end`},
		{"upper", huge + `while true do s:upper() end`},
		{"lower", huge + `while true do s:lower() end`},
		{"reverse", huge + `while true do s:reverse() end`},
		{"format", huge + `while true do pcall(string.format, "%s", s) end`},
		{"table.sort", `local t = {} for i = 1, 3e6 do t[i] = -i end while true do table.sort(t) end`},
		{"table.sort bad comparator", `local t = {} for i = 1, 1e6 do t[i] = i end while true do table.sort(t, function(a, b) return true end) end`},
		{"table.concat", `local t = {} for i = 1, 5e6 do t[i] = "" end while true do table.concat(t) end`},
		{"loadstring slow chunk", `while true do loadstring(string.rep("x = 1\n", 170000)) end`},
		{"tail calls", `local function f(n) return f(n + 1) end return f(1)`},
		{"tail calls under pcall", `local function f(n) if n > 2e6 then error("deep") end return f(n + 1) end while true do pcall(f, 1) end`},
		{"tail calls under xpcall", `local function f(n) if n > 2e6 then error("deep") end return f(n + 1) end while true do xpcall(function() return f(1) end, function(m) return m end) end`},
		{"tail calls in coroutine", `local function f(n) return f(n + 1) end local co = coroutine.wrap(f) co(1)`},
	}
	e := engine.New(engine.Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			se := hostileRun(t, e, tt.src, 500*time.Millisecond, 0)
			if se.Kind != engine.Timeout || !errors.Is(se, context.DeadlineExceeded) {
				t.Errorf("kind %v: %v", se.Kind, se)
			}
		})
	}
}

// TestHostileTraceback: the traceback of a deep tail recursion counts its
// tail calls in one line, and is bounded in frames.
func TestHostileTraceback(t *testing.T) {
	tests := []struct {
		name, src string
		want      []string
	}{
		{"tail calls", `local function f(n) if n == 1e6 then error("deep") end return f(n + 1) end f(1)`,
			[]string{"tail calls...)", "in main chunk"}},
		{"deep recursion", `local function f(n) if n == 500 then error("deep") end return 1 + f(n + 1) end f(1)`,
			[]string{"frames skipped", "in main chunk"}},
		{"mixed", `local function g(n) if n == 0 then error("x") end return g(n - 1) end
local function f(n) if n == 0 then return g(1e5) end return 1 + f(n - 1) end f(300)`,
			[]string{"frames skipped", "tail calls...)", "in main chunk"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := run(t, tt.src)
			se := scriptError(t, err)
			for _, w := range tt.want {
				if !strings.Contains(se.Traceback, w) {
					t.Errorf("traceback lacks %q:\n%s", w, se.Traceback)
				}
			}
			if n := strings.Count(se.Traceback, "\n"); n > 30 || len(se.Traceback) > 8<<10 {
				t.Errorf("traceback of %d lines, %d bytes", n, len(se.Traceback))
			}
		})
	}
}

// TestHostileErrors: an error built from a huge value is cut to
// MaxErrorBytes, whatever its form.
func TestHostileErrors(t *testing.T) {
	tests := []struct{ name, src string }{
		{"string", `error(string.rep("x", 2^25))`},
		{"string without position", `error(string.rep("x", 2^25), 0)`},
		{"__tostring", `error(setmetatable({}, {__tostring = function() return string.rep("y", 2^25) end}))`},
		{"table as JSON", `error({string.rep("z", 2^24)})`},
		{"colons", `error(string.rep(":", 2^24))`},
		{"assert", `assert(false, string.rep("w", 2^25))`},
	}
	// Not a timing test: the timeout leaves room for -race (which checks
	// every copy of the 32 MiB strings) on a loaded machine.
	e := engine.New(engine.Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.Run(context.Background(), engine.Request{Script: writeScript(t, tt.src), Timeout: time.Minute})
			se := scriptError(t, err)
			if se.Kind != engine.Runtime {
				t.Fatalf("kind %v: %.100q", se.Kind, se.Message)
			}
			if len(se.Message) > engine.MaxErrorBytes+100 || !strings.Contains(se.Message, "more bytes cut)") {
				t.Errorf("message of %d bytes: %.100q...", len(se.Message), se.Message)
			}
		})
	}
}

// TestHostileSource: source text that gopher-lua's parser cannot handle
// in bounded time and memory (deep nesting crashes the process) is
// refused with a message, in a script file and in loadstring and load.
func TestHostileSource(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"nested braces", "return " + strings.Repeat("{", 300) + strings.Repeat("}", 300), "nesting too deep"},
		{"nested parentheses", "return " + strings.Repeat("(", 300) + "1" + strings.Repeat(")", 300), "nesting too deep"},
		{"nested functions", "return " + strings.Repeat("function() return ", 300) + "1" + strings.Repeat(" end", 300), "nesting too deep"},
		{"nested blocks", strings.Repeat("do ", 300) + strings.Repeat("end ", 300), "nesting too deep"},
		{"concat chain", "return " + strings.Repeat("a..", 300) + "a", "expression too complex"},
		{"too large", strings.Repeat("x = 1\n", 200000), "1048576"},
	}
	for _, tt := range tests {
		t.Run(tt.name+" file", func(t *testing.T) {
			_, err := run(t, tt.src)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v", err)
			}
			var se *engine.ScriptError
			if errors.As(err, &se) && se.Kind != engine.Syntax {
				t.Errorf("kind %v", se.Kind)
			}
		})
		t.Run(tt.name+" loadstring", func(t *testing.T) {
			e := engine.New(engine.Options{})
			res, err := e.Run(context.Background(), engine.Request{Script: writeScript(t, `local f, err = loadstring(args.src) return {tostring(f), err}`),
				Args: map[string]any{"src": tt.src}, Timeout: 5 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			got, _ := res.Value.([]any)
			if len(got) != 2 || got[0] != "nil" || !strings.Contains(got[1].(string), tt.want) {
				t.Errorf("got %v", res.Value)
			}
		})
	}
	t.Run("load reader without end", func(t *testing.T) {
		res, err := run(t, `local f, err = load(function() return "x = 1 " end) return err`)
		if err != nil || !strings.Contains(res.Value.(string), "source too large") {
			t.Errorf("got %v %v", res.Value, err)
		}
	})
	t.Run("shebang and BOM", func(t *testing.T) {
		for _, head := range []string{"#!/usr/bin/env soracron run\n", "\xEF\xBB\xBF", "\xEF\xBB\xBF#!/bin/sh\n", "# comment\n"} {
			_, err := run(t, head+"local x = 1\nerror(\"line \" .. x)\n")
			se := scriptError(t, err)
			wantLine := 2 // line numbers are those of the file
			if strings.Contains(head, "\n") {
				wantLine = 3
			}
			if se.Kind != engine.Runtime || se.Line != wantLine {
				t.Errorf("%q: %v line %d (%v), want line %d", head, se.Kind, se.Line, se, wantLine)
			}
		}
	})
}
