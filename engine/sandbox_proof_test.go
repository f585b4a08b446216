package engine_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/soracron/soracron/engine"
	"github.com/soracron/soracron/sora"
)

// The sandbox proof: each test is an attempt of a script to get out of its
// sandbox, and checks that it fails. (TestSandboxRemovedNames lists the
// names removed; TestRequireSymlinks the symlink escapes.)

// TestSandboxNoProcess: nothing starts a process or exits the host.
func TestSandboxNoProcess(t *testing.T) {
	res, err := run(t, `
local found = {}
local function probe(name, v) if v ~= nil then found[#found + 1] = name end end
probe("os.execute", os.execute)
probe("os.exit", os.exit)
probe("io", io)
probe("io.popen", rawget(_G, "io") and io.popen)
probe("package.loadlib", package.loadlib)
probe("require('os').execute", require("os").execute)
probe("_G['o'..'s'].exit", _G["o" .. "s"].exit)
probe("loadstring os.exit", loadstring("return os.exit")())
probe("string.dump", string.dump)
probe("debug", rawget(_G, "debug"))
probe("getfenv", rawget(_G, "getfenv"))
probe("setfenv", rawget(_G, "setfenv"))
probe("collectgarbage", rawget(_G, "collectgarbage"))
probe("dofile", rawget(_G, "dofile"))
probe("loadfile", rawget(_G, "loadfile"))
probe("newproxy", rawget(_G, "newproxy"))
return require("json").array(found)
`)
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := res.Value.([]any); !ok || len(got) != 0 {
		t.Errorf("reachable: %v", res.Value)
	}
	for _, src := range []string{`os.exit(3)`, `collectgarbage("collect")`, `debug.getregistry()`, `io.open("/etc/passwd")`} {
		t.Run(src, func(t *testing.T) {
			_, err := run(t, src)
			if se := scriptError(t, err); se.Kind != engine.Runtime {
				t.Errorf("kind %v", se.Kind)
			}
		})
	}
}

// TestSandboxNoFiles: require reaches only .lua files under the script's
// directory; load and loadstring compile source text only (binary chunks
// are refused).
func TestSandboxNoFiles(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "scripts")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "secret.lua"), []byte(`return "secret"`), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, src, want string
	}{
		{"require parent", `return require("..secret")`, `require "..secret": invalid module name: empty path element`},
		{"require path", `return require("../secret")`, `require "../secret": invalid module name: '/' is not allowed`},
		{"require absolute", `return require("/etc/passwd")`, `require "/etc/passwd": invalid module name: '/' is not allowed`},
		{"require backslash", `return require("..\\secret")`, `invalid module name: '\\' is not allowed`},
		{"require NUL", "return require(\"secret\\0.lua\")", `invalid module name`},
		{"require a library that was removed", `return require("io")`, `require "io": module not found`},
		{"load a string", `return load("return 1")`, "bad argument #1 to load (function expected, got string)"},
		{"binary chunk", `local f, err = loadstring(string.char(27) .. "LuaQ" .. string.char(0, 1, 4, 8, 4, 8, 0)) assert(f == nil) error(err, 0)`, "Invalid token"},
		{"binary chunk through a reader", `local s = string.char(27) .. "LuaQ" local f, err = load(function() local c = s s = nil return c end) assert(f == nil) error(err, 0)`, "Invalid token"},
	}
	e := engine.New(engine.Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			script := filepath.Join(dir, "main.lua")
			if err := os.WriteFile(script, []byte(tt.src), 0o644); err != nil {
				t.Fatal(err)
			}
			res, err := e.Run(context.Background(), engine.Request{Script: script})
			if err == nil {
				t.Fatalf("no error; returned %v", res.Value)
			}
			if se := scriptError(t, err); se.Kind != engine.Runtime || !strings.Contains(se.Message, tt.want) {
				t.Errorf("kind %v, message %q; want %q", se.Kind, se.Message, tt.want)
			}
		})
	}
	t.Run("source chunks see the same sandbox", func(t *testing.T) {
		res, err := run(t, `return loadstring("return os.exit == nil and io == nil and debug == nil")()`)
		if err != nil || res.Value != true {
			t.Errorf("%v %v", res.Value, err)
		}
	})
}

// TestSandboxTimeoutCannotBeSwallowed: a busy loop ends at the run's
// timeout wherever it hides: under pcall (nested), xpcall (in the
// function or its handler), coroutines, metamethods, callbacks of Go
// functions, and the error handler of the run itself.
func TestSandboxTimeoutCannotBeSwallowed(t *testing.T) {
	srcs := map[string]string{
		"pcall":                `while true do pcall(function() while true do end end) end`,
		"nested pcall":         `local function f() while true do end end while true do pcall(pcall, pcall, f) end`,
		"pcall in pcall":       `while true do pcall(function() while true do pcall(function() while true do end end) end end) end`,
		"xpcall":               `while true do xpcall(function() while true do end end, function(m) return m end) end`,
		"xpcall handler loops": `xpcall(function() error("x") end, function(m) while true do end end) return "escaped"`,
		"xpcall handler retries": `local function f() while true do end end
while true do xpcall(f, function() xpcall(f, function() end) end) end`,
		"coroutine.wrap":      `local co = coroutine.wrap(function() while true do end end) while true do pcall(co) end`,
		"coroutine.resume":    `local co = coroutine.create(function() while true do end end) while true do coroutine.resume(co) end`,
		"yield loop":          `local co = coroutine.wrap(function() while true do coroutine.yield() end end) while true do co() end`,
		"__index":             `local t = setmetatable({}, {__index = function() while true do end end}) while true do pcall(function() return t.x end) end`,
		"__tostring of error": `local e = setmetatable({}, {__tostring = function() while true do end end}) error(e)`,
		"table.sort":          `local t = {3, 2, 1} while true do pcall(table.sort, t, function() while true do end end) end`,
		"string.gsub":         `while true do pcall(string.gsub, "aaa", "a", function() while true do end end) end`,
		"string.gsub matches": `local s = string.rep("a", 2^24) while true do pcall(string.gsub, s, "a", "b") end`,
		"recursion":           `local function f() pcall(f) while true do end end f()`,
	}
	e := engine.New(engine.Options{})
	for name, src := range srcs {
		t.Run(name, func(t *testing.T) {
			const timeout = 300 * time.Millisecond
			done := make(chan error, 1)
			go func() {
				_, err := e.Run(context.Background(), engine.Request{Script: writeScript(t, src), Timeout: timeout})
				done <- err
			}()
			select {
			case err := <-done:
				se := scriptError(t, err)
				if se.Kind != engine.Timeout || !errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("kind %v: %v", se.Kind, err)
				}
			case <-time.After(20 * time.Second):
				t.Fatal("the run outlived its timeout")
			}
		})
	}
}

// TestSandboxMemoryCaps: the functions that build big strings in one Go
// call refuse beyond MaxStringBytes, so that one line cannot exhaust the
// host's memory (what the caps do not cover is documented in the package).
func TestSandboxMemoryCaps(t *testing.T) {
	// DefaultMaxStringBytes: 32 MiB. The client is never reached.
	client, err := sora.New(sora.Config{URL: "http://127.0.0.1:1/"})
	if err != nil {
		t.Fatal(err)
	}
	e := engine.New(engine.Options{Client: client})
	tests := []struct {
		name, src, want string
	}{
		{"string.rep", `return #string.rep("x", 2^31)`, "string.rep: result too large (over the limit of 33554432 bytes)"},
		{"string.rep method", `return #("xy"):rep(2^25)`, "string.rep: result too large (over the limit of 33554432 bytes)"},
		{"string.format width", `return string.format("%999999d", 1)`, "invalid format (width or precision too long)"},
		{"table.concat", `local s = string.rep("x", 2^20) local t = {} for i = 1, 40 do t[i] = s end return #table.concat(t)`, "table.concat: result too large (over the limit of 33554432 bytes)"},
		{"string.gsub", `local s = string.rep("x", 2^20) return #string.gsub(s, "x", "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy")`, "string.gsub: result too large (over the limit of 33554432 bytes)"},
		{"json.encode of a shared table", `local t = {string.rep("x", 1000)} for i = 1, 40 do t = {t, t} end return assert(require("json").encode(t))`, "value is over 33554432 bytes as JSON (the limit; is a table referenced many times?)"},
		{"return value of a shared table", `local t = {string.rep("x", 1000)} for i = 1, 40 do t = {t, t} end return t`, "return value is over 33554432 bytes as JSON (the limit; is a table referenced many times?)"},
		{"sora.put_item of a shared table", `local t = {string.rep("x", 1000)} for i = 1, 40 do t = {t, t} end return require("sora").put_item("sora", "C1", "k", t)`, "bad argument #4 to put_item (value: value is over 33554432 bytes as JSON (the limit; is a table referenced many times?))"},
		{"call stack", `local function f() return 1 + f() end return f()`, "stack overflow"},
		{"data stack", `return select("#", unpack({}, 1, 2^21))`, "registry overflow"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before runtime.MemStats
			runtime.ReadMemStats(&before)
			res, err := e.Run(context.Background(), engine.Request{Script: writeScript(t, tt.src), Timeout: 30 * time.Second})
			if err == nil {
				t.Fatalf("no error; returned %v", res.Value)
			}
			var se *engine.ScriptError
			if !errors.As(err, &se) || se.Kind != engine.Runtime || !strings.Contains(se.Message, tt.want) {
				t.Errorf("error %v; want %q", err, tt.want)
			}
			var after runtime.MemStats
			runtime.ReadMemStats(&after)
			// The refusal comes before the allocation: far less than the
			// gigabytes the script asked for.
			if got := after.TotalAlloc - before.TotalAlloc; got > 1<<30 {
				t.Errorf("the run allocated %d MiB", got>>20)
			}
		})
	}
	t.Run("configurable", func(t *testing.T) {
		small := engine.New(engine.Options{MaxStringBytes: 100})
		_, err := small.Run(context.Background(), engine.Request{Script: writeScript(t, `return string.rep("x", 101)`)})
		if se := scriptError(t, err); se.Message != "string.rep: result too large (over the limit of 100 bytes)" {
			t.Errorf("message %q", se.Message)
		}
		none := engine.New(engine.Options{MaxStringBytes: -1})
		res, err := none.Run(context.Background(), engine.Request{Script: writeScript(t, `return #string.rep("x", 2^25 + 1)`)})
		if err != nil || !reflect.DeepEqual(res.Value, jsonNumber(1<<25+1)) {
			t.Errorf("unlimited: %v %v", res.Value, err)
		}
	})
}

func jsonNumber(n int) any { return json.Number(strconv.Itoa(n)) }
