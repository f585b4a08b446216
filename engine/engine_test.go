package engine_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/soracron/soracron/engine"
)

// writeScript writes src to a fresh main.lua and returns its path.
func writeScript(t *testing.T, src string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "main.lua")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// run runs src as a script with a fresh engine.
func run(t *testing.T, src string) (*engine.Result, error) {
	t.Helper()
	e := engine.New(engine.Options{})
	return e.Run(context.Background(), engine.Request{Script: writeScript(t, src), Timeout: 5 * time.Second})
}

// scriptError asserts err is a *engine.ScriptError and returns it.
func scriptError(t *testing.T, err error) *engine.ScriptError {
	t.Helper()
	var se *engine.ScriptError
	if !errors.As(err, &se) {
		t.Fatalf("error = %v (%T), want *engine.ScriptError", err, err)
	}
	return se
}

func TestSandboxRemovedNames(t *testing.T) {
	names := []string{
		"dofile", "loadfile", "collectgarbage", "getfenv", "setfenv", "newproxy", "module", "_printregs",
		"io", "debug", "channel",
		"os.execute", "os.exit", "os.remove", "os.rename", "os.tmpname", "os.setenv", "os.setlocale",
		"package.path", "package.cpath", "package.loaders", "package.loadlib", "package.seeall",
		"string.dump",
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			res, err := run(t, "return "+name+" == nil")
			if err != nil {
				t.Fatal(err)
			}
			if res.Value != true {
				t.Errorf("%s is not nil", name)
			}
		})
	}
}

func TestSandboxRequireCannotRestoreLibs(t *testing.T) {
	for _, name := range []string{"io", "debug", "channel"} {
		t.Run(name, func(t *testing.T) {
			_, err := run(t, `local m = require("`+name+`") return m`)
			se := scriptError(t, err)
			if se.Kind != engine.Runtime || !strings.Contains(se.Message, `require "`+name+`": module not found`) {
				t.Errorf("error = %v (kind %v), want module not found", err, se.Kind)
			}
		})
	}
	t.Run("os", func(t *testing.T) {
		res, err := run(t, `local o = require("os")
			return {same = o == os, execute = o.execute == nil, exit = o.exit == nil, time = type(o.time)}`)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]any{"same": true, "execute": true, "exit": true, "time": "function"}
		if !reflect.DeepEqual(res.Value, want) {
			t.Errorf("got %v, want %v", res.Value, want)
		}
	})
}

func TestSandboxAllowed(t *testing.T) {
	t.Setenv("SORACRON_TEST_ENV", "from-env")
	tests := []struct {
		name, src string
		want      any
	}{
		{"string.format", `return string.format("%s-%03d", "a", 7)`, "a-007"},
		{"string methods", `return ("Sora"):upper() .. ("x"):rep(3)`, "SORAxxx"},
		{"string.gsub", `return (string.gsub("a-b-c", "-", "+"))`, "a+b+c"},
		{"string.gmatch", `local n = 0 for w in ("a b c"):gmatch("%a") do n = n + 1 end return n`, json.Number("3")},
		{"table.concat and sort", `local t = {3, 1, 2} table.sort(t) return table.concat(t, ",")`, "1,2,3"},
		{"table.insert and remove", `local t = {} table.insert(t, "a") table.insert(t, "b") table.remove(t, 1) return t[1]`, "b"},
		{"math", `return math.floor(3.7) + math.max(1, 5) + math.abs(-2)`, json.Number("10")},
		{"coroutine", `local co = coroutine.wrap(function() coroutine.yield(1) coroutine.yield(2) end) return co() + co()`, json.Number("3")},
		{"pcall", `local ok, err = pcall(error, "x", 0) return {ok, err}`, []any{false, "x"}},
		{"xpcall", `local ok, msg = xpcall(function() error("y", 0) end, function(m) return "handled " .. m end) return msg`, "handled y"},
		{"select and unpack", `return select("#", unpack({1, 2, 3}))`, json.Number("3")},
		{"tostring tonumber", `return tostring(12) .. tonumber("0x10")`, "1216"},
		{"loadstring", `return loadstring("return 1 + 1")()`, json.Number("2")},
		{"metatables", `local t = setmetatable({}, {__index = function(_, k) return k .. "!" end}) return t.hi`, "hi!"},
		{"rawget ipairs pairs next", `local n = 0 for _ in ipairs({1, 2}) do n = n + 1 end for _ in pairs({a = 1}) do n = n + 1 end return n + (next({}) == nil and 1 or 0) + (rawget({5}, 1))`, json.Number("9")},
		{"assert passes values", `local a, b = assert(1, "unused") return a + (b == "unused" and 1 or 0)`, json.Number("2")},
		{"os.getenv", `return os.getenv("SORACRON_TEST_ENV")`, "from-env"},
		{"os.clock", `return type(os.clock())`, "number"},
		{"os.date with a time", `return os.date("!%Y-%m-%d %H:%M:%S", 86400)`, "1970-01-02 00:00:00"},
		{"os.time with a table", `return os.time({year = 2020, month = 1, day = 2, hour = 3})`,
			json.Number(itoa(time.Date(2020, 1, 2, 3, 0, 0, 0, time.Local).Unix()))},
		{"_G", `return _G.string == string`, true},
		{"json module", `local json = require("json") return json.encode({a = {1, 2}})`, `{"a":[1,2]}`},
		{"time module", `local time = require("time") time.sleep(0) return type(time.now())`, "number"},
		{"log module", `local log = require("log") log.info("hi", {n = 1}) return true`, true},
		{"deep recursion", `local function f(n) if n == 0 then return 0 end return 1 + f(n - 1) end return f(900)`, json.Number("900")},
		{"big stack frames", `local t = {} for i = 1, 5000 do t[i] = i end return select("#", unpack(t))`, json.Number("5000")},
		{"standard libraries in package.loaded", `return require("string") == string and require("_G") == _G and package.loaded.math == math and require("table") == table and require("coroutine") == coroutine`, true},
		{"string metatable", `return getmetatable("").__index == string and string.gfind == string.gmatch`, true},
		{"_VERSION", `return _VERSION`, "Lua 5.1"},
		{"preloaded modules are loaded once", `return require("json") == require("json")`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := run(t, tt.src)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(res.Value, tt.want) {
				t.Errorf("got %#v, want %#v", res.Value, tt.want)
			}
		})
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func TestInjectedClock(t *testing.T) {
	now := time.Date(2024, 5, 1, 12, 0, 0, 500_000_000, time.UTC)
	e := engine.New(engine.Options{Now: func() time.Time { return now }})
	tests := []struct {
		name, src string
		want      any
	}{
		{"os.time", `return os.time()`, json.Number("1714564800")},
		{"os.time nil", `return os.time(nil)`, json.Number("1714564800")},
		{"os.date", `return os.date("!%Y-%m-%dT%H:%M:%S")`, "2024-05-01T12:00:00"},
		{"os.date table", `local d = os.date("!*t") return {d.year, d.month, d.day, d.hour}`,
			[]any{json.Number("2024"), json.Number("5"), json.Number("1"), json.Number("12")}},
		{"time.now", `return require("time").now()`, json.Number("1714564800.5")},
		{"time.since", `return require("time").since(1714564700)`, json.Number("100.5")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := e.Run(context.Background(), engine.Request{Script: writeScript(t, tt.src)})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(res.Value, tt.want) {
				t.Errorf("got %#v, want %#v", res.Value, tt.want)
			}
		})
	}
}

func TestArgs(t *testing.T) {
	e := engine.New(engine.Options{})
	script := writeScript(t, `
local out = {}
for _, k in ipairs({"s", "n", "f", "b", "arr", "obj", "null", "missing"}) do
  local v = args[k]
  out[k] = type(v)
end
out.values = {args.s, args.n + 1, args.f * 2, args.b, #args.arr, args.obj.k, args.null == require("json").null}
return out`)
	res, err := e.Run(context.Background(), engine.Request{Script: script, Args: map[string]any{
		"s": "text", "n": json.Number("41"), "f": 1.25, "b": true,
		"arr": []any{"x", "y"}, "obj": map[string]any{"k": "v"}, "null": nil,
	}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"s": "string", "n": "number", "f": "number", "b": "boolean", "arr": "table", "obj": "table",
		"null": "userdata", "missing": "nil",
		"values": []any{"text", json.Number("42"), json.Number("2.5"), true, json.Number("2"), "v", true},
	}
	if !reflect.DeepEqual(res.Value, want) {
		t.Errorf("got %v, want %v", res.Value, want)
	}
	t.Run("nil args is an empty table", func(t *testing.T) {
		res, err := e.Run(context.Background(), engine.Request{Script: writeScript(t, `return type(args) == "table" and next(args) == nil`)})
		if err != nil || res.Value != true {
			t.Errorf("got %v, %v", res.Value, err)
		}
	})
	t.Run("unconvertible args", func(t *testing.T) {
		_, err := e.Run(context.Background(), engine.Request{Script: script, Args: map[string]any{"c": make(chan int)}})
		if err == nil || !strings.HasPrefix(err.Error(), "args: ") {
			t.Errorf("err = %v, want args: ...", err)
		}
	})
}

func TestReturnValue(t *testing.T) {
	tests := []struct {
		name, src string
		has       bool
		want      any
	}{
		{"nothing", "local x = 1", false, nil},
		{"nil", "return nil", false, nil},
		{"number", "return 1", true, json.Number("1")},
		{"string", `return "ok"`, true, "ok"},
		{"boolean", "return false", true, false},
		{"json null", `return require("json").null`, true, nil},
		{"first of many", `return "a", "b"`, true, "a"},
		{"object", `return {a = 1, b = {1, 2}, c = {}}`, true,
			map[string]any{"a": json.Number("1"), "b": []any{json.Number("1"), json.Number("2")}, "c": map[string]any{}}},
		{"empty array", `return require("json").array({})`, true, []any{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := run(t, tt.src)
			if err != nil {
				t.Fatal(err)
			}
			if res.HasValue != tt.has || !reflect.DeepEqual(res.Value, tt.want) {
				t.Errorf("got %#v (has %v), want %#v (has %v)", res.Value, res.HasValue, tt.want, tt.has)
			}
		})
	}
}

func TestResult(t *testing.T) {
	e := engine.New(engine.Options{})
	script := writeScript(t, "return 1")
	for _, dry := range []bool{false, true} {
		res, err := e.Run(context.Background(), engine.Request{Script: script, DryRun: dry})
		if err != nil {
			t.Fatal(err)
		}
		if res.Stats.DryRun != dry || res.Stats.Calls == nil || (res.Plan != nil) != dry || res.Duration <= 0 {
			t.Errorf("dry run %v: result %+v", dry, res)
		}
	}
	t.Run("missing script", func(t *testing.T) {
		res, err := e.Run(context.Background(), engine.Request{Script: filepath.Join(t.TempDir(), "nope.lua")})
		if res == nil || !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("got %v, %v", res, err)
		}
		var se *engine.ScriptError
		if errors.As(err, &se) {
			t.Errorf("a missing file is not a script error: %v", err)
		}
	})
}

func TestPrintGoesToLogger(t *testing.T) {
	var engineBuf, runBuf bytes.Buffer
	newLogger := func(b *bytes.Buffer) *slog.Logger {
		return slog.New(slog.NewJSONHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	e := engine.New(engine.Options{Logger: newLogger(&engineBuf)})
	script := writeScript(t, `print("hello", 1, nil, setmetatable({}, {__tostring = function() return "T" end}))`)
	tests := []struct {
		name   string
		logger *slog.Logger
		buf    *bytes.Buffer
	}{
		{"engine logger", nil, &engineBuf},
		{"request logger", newLogger(&runBuf).With("run", "r1"), &runBuf},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.buf.Reset()
			if _, err := e.Run(context.Background(), engine.Request{Script: script, Logger: tt.logger}); err != nil {
				t.Fatal(err)
			}
			var rec map[string]any
			if err := json.Unmarshal(tt.buf.Bytes(), &rec); err != nil {
				t.Fatalf("log %q: %v", tt.buf, err)
			}
			if rec["msg"] != "hello\t1\tnil\tT" || rec["level"] != "INFO" || rec["source"] != "print" {
				t.Errorf("record %v", rec)
			}
			if tt.logger != nil && rec["run"] != "r1" {
				t.Errorf("request logger attributes lost: %v", rec)
			}
		})
	}
}

func TestConcurrentRuns(t *testing.T) {
	e := engine.New(engine.Options{})
	script := writeScript(t, `
local util = {}
local s = 0
for i = 1, args.n do s = s + i end
local co = coroutine.wrap(function() coroutine.yield(s) end)
return {sum = co(), id = args.id, at = os.time()}`)
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for g := range 8 {
		wg.Go(func() {
			for i := range 20 {
				n := g*100 + i
				res, err := e.Run(context.Background(), engine.Request{Script: script, Args: map[string]any{"n": n, "id": g}})
				if err != nil {
					errs <- err
					return
				}
				m := res.Value.(map[string]any)
				if m["sum"] != json.Number(itoa(int64(n*(n+1)/2))) || m["id"] != json.Number(itoa(int64(g))) {
					errs <- errors.New("wrong result " + string(mustJSON(m)))
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestLogModuleUsesRunLogger(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, nil)).With("job", "j1")
	e := engine.New(engine.Options{})
	script := writeScript(t, `require("log").warn("low battery", {level = 5, tags = {"a"}})`)
	if _, err := e.Run(context.Background(), engine.Request{Script: script, Logger: logger}); err != nil {
		t.Fatal(err)
	}
	var rec map[string]any
	if err := json.Unmarshal(buf.Bytes(), &rec); err != nil {
		t.Fatalf("log %q: %v", buf.String(), err)
	}
	if rec["msg"] != "low battery" || rec["level"] != "WARN" || rec["job"] != "j1" || rec["field_level"] != 5.0 ||
		!reflect.DeepEqual(rec["tags"], []any{"a"}) {
		t.Errorf("record %v", rec)
	}
}
