package log_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"

	luajson "github.com/soracron/soracron/bindings/json"
	lualog "github.com/soracron/soracron/bindings/log"
)

// newLogState returns an LState with the log module writing JSON records at
// level info and above to buf.
func newLogState(t *testing.T, buf *bytes.Buffer) *lua.LState {
	t.Helper()
	L := lua.NewState()
	t.Cleanup(L.Close)
	logger := slog.New(slog.NewJSONHandler(buf, &slog.HandlerOptions{Level: slog.LevelInfo}))
	L.PreloadModule("log", lualog.New(logger).Loader)
	L.PreloadModule("json", luajson.Loader)
	// lazy(t) is a lazy table (like a batch's result) that fills in as t.
	L.SetGlobal("lazy", L.NewFunction(func(L *lua.LState) int {
		lt := L.CreateTable(0, 0)
		lt.Metatable = luajson.NewLazyMetatable(L, copyFiller{L.CheckTable(1)})
		L.Push(lt)
		return 1
	}))
	return L
}

// copyFiller fills a lazy table with the fields of from.
type copyFiller struct{ from *lua.LTable }

func (f copyFiller) Fill(t *lua.LTable) {
	t.Metatable = lua.LNil
	f.from.ForEach(t.RawSet)
}

func TestLogLevelsAndFields(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want map[string]any // nil: no record
	}{
		{"info", `log.info("hello")`, map[string]any{"level": "INFO", "msg": "hello"}},
		{"warn", `log.warn("careful")`, map[string]any{"level": "WARN", "msg": "careful"}},
		{"error", `log.error("bad")`, map[string]any{"level": "ERROR", "msg": "bad"}},
		{"debug below level", `log.debug("hidden", {x = 1})`, nil},
		{"nil fields", `log.info("m", nil)`, map[string]any{"level": "INFO", "msg": "m"}},
		{"reserved keys renamed", `log.info("m", {level = 5, msg = "x", time = 1, source = "s"})`,
			map[string]any{"level": "INFO", "msg": "m", "field_level": 5.0, "field_msg": "x", "field_time": 1.0, "field_source": "s"}},
		{"lazy fields", `log.info("m", lazy({ok = true, value = lazy({k = 1})}))`,
			map[string]any{"level": "INFO", "msg": "m", "ok": true, "value": map[string]any{"k": 1.0}}},
		{"fields", `log.info("m", {channel = "c1", n = 3, ok = true, list = {1, 2}, obj = {a = "b"}, empty = {}, null = json.null})`,
			map[string]any{"level": "INFO", "msg": "m", "channel": "c1", "n": 3.0, "ok": true,
				"list": []any{1.0, 2.0}, "obj": map[string]any{"a": "b"}, "empty": map[string]any{}, "null": nil}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			L := newLogState(t, &buf)
			if err := L.DoString(`local log = require("log") local json = require("json") ` + tt.src); err != nil {
				t.Fatal(err)
			}
			if tt.want == nil {
				if buf.Len() != 0 {
					t.Errorf("unexpected record %s", buf.String())
				}
				return
			}
			var rec map[string]any
			if err := json.Unmarshal(buf.Bytes(), &rec); err != nil {
				t.Fatalf("record %q: %v", buf.String(), err)
			}
			delete(rec, "time")
			if !jsonEqual(rec, tt.want) {
				t.Errorf("record %v, want %v", rec, tt.want)
			}
		})
	}
}

func TestLogFieldOrder(t *testing.T) {
	var buf bytes.Buffer
	L := newLogState(t, &buf)
	if err := L.DoString(`require("log").info("m", {zeta = 1, alpha = 2, mid = 3})`); err != nil {
		t.Fatal(err)
	}
	a, m, z := strings.Index(buf.String(), `"alpha"`), strings.Index(buf.String(), `"mid"`), strings.Index(buf.String(), `"zeta"`)
	if a < 0 || !(a < m && m < z) {
		t.Errorf("fields not sorted by key: %s", buf.String())
	}
}

func TestLogMisuse(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"message not a string", `log.info({})`, "bad argument #1 to info (message must be a string, got table)"},
		{"missing message", `log.warn()`, "bad argument #1 to warn (message must be a string, got nil)"},
		{"fields not a table", `log.error("m", "x")`, "bad argument #2 to error (fields must be a table, got string)"},
		{"non-string key", `log.info("m", {[1] = "x"})`, "field keys must be strings, got number"},
		{"function value", `log.info("m", {f = function() end})`, "f: function cannot be encoded"},
		{"cyclic value", `local t = {} t.t = t log.info("m", {c = t})`, "cycle"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			L := newLogState(t, &buf)
			err := L.DoString("local log = require('log')\n" + tt.src)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			if !strings.Contains(err.Error(), "<string>:2:") {
				t.Errorf("err = %v, want the position of the call", err)
			}
			if buf.Len() != 0 {
				t.Errorf("record written despite the error: %s", buf.String())
			}
		})
	}
}

func TestLogNilLogger(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	L.PreloadModule("log", lualog.New(nil).Loader)
	if err := L.DoString(`require("log").error("dropped", {a = 1})`); err != nil {
		t.Fatal(err)
	}
}

// jsonEqual compares two decoded JSON values.
func jsonEqual(a, b any) bool {
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(ja, jb)
}
