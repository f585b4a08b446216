package json

import (
	"fmt"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// TestDecodable agrees with Decode on what decodes.
func TestDecodable(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	tests := []struct {
		name string
		data string
		want bool
	}{
		{"object", `{"a":[1,2,{"b":"x"}],"c":null}`, true},
		{"scalar", ` 1.5e400 `, true},
		{"brackets in strings", `["[[[[", "}}", "\"]", "\\", "\\\"["]`, true},
		{"depth at the limit", strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth), true},
		{"depth over the limit", strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1), false},
		{"depth over the limit, objects", strings.Repeat(`{"a":`, MaxDepth+1) + "1" + strings.Repeat("}", MaxDepth+1), false},
		{"not closed", `{"a":1`, false},
		{"data after the value", `{} x`, false},
		{"empty", ``, false},
		{"white space", "  \n", false},
		{"invalid UTF-8", "\"\xff\"", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode(L, []byte(tt.data))
			if (err == nil) != tt.want {
				t.Fatalf("Decode error %v, the test wants it to decode: %v", err, tt.want)
			}
			if got := Decodable([]byte(tt.data)); got != tt.want {
				t.Errorf("Decodable = %v, want %v", got, tt.want)
			}
		})
	}
}

// testFiller fills tables with {a = 1, b = {2}}, counting its fills.
type testFiller struct {
	L     *lua.LState
	fills int
}

func (f *testFiller) Fill(t *lua.LTable) {
	if t.Metatable == lua.LNil {
		return
	}
	t.Metatable = lua.LNil
	f.fills++
	if t.RawGetString("a") == lua.LNil {
		t.RawSetString("a", lua.LNumber(1))
	}
	b := f.L.CreateTable(1, 0)
	b.Append(lua.LNumber(2))
	t.RawSetString("b", b)
}

// TestLazyTable uses a lazy table every way a script or a walk can: each
// way that reads it sees it filled, once; raw access before a fill sees
// an empty table.
func TestLazyTable(t *testing.T) {
	tests := []struct {
		name  string
		code  string // t is the lazy table
		want  string // the results, joined by " "
		fills int
	}{
		{"read a field", `return t.a, t.b[1]`, "1 2", 1},
		{"read a missing field", `return t.zzz, rawget(t, "a")`, "nil 1", 1},
		{"assign first", `t.a = 5; t.c = 3; return t.a, t.b[1], t.c`, "5 2 3", 1},
		{"raw access does not fill", `rawset(t, "c", 3); return rawget(t, "a"), next(t)`, "nil c 3", 0},
		{"rawset value kept", `rawset(t, "a", 9); return t.a, t.b[1]`, "9 2", 1},
		{"metatable protected until filled", `
local before = getmetatable(t)
local ok = pcall(setmetatable, t, {})
local _ = t.a
return before, ok, getmetatable(t)`, "lazy false nil", 1},
		{"json.encode", `return require("json").encode(t)`, `{"a":1,"b":[2]}`, 1},
		{"json.encode twice", `local json = require("json"); json.encode(t); return json.encode({t})`, `[{"a":1,"b":[2]}]`, 1},
		{"length", `return #t`, "0", 0},
		{"json.object", `local json = require("json"); json.object(t); return json.encode(t), json.is_object(t)`, `{"a":1,"b":[2]} true`, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			L := lua.NewState()
			defer L.Close()
			L.PreloadModule("json", Loader)
			f := &testFiller{L: L}
			lt := L.CreateTable(0, 0)
			lt.Metatable = NewLazyMetatable(L, f)
			L.SetGlobal("t", lt)
			top := L.GetTop()
			if err := L.DoString(tt.code); err != nil {
				t.Fatal(err)
			}
			var got []string
			for i := top + 1; i <= L.GetTop(); i++ {
				got = append(got, L.Get(i).String())
			}
			if s := strings.Join(got, " "); s != tt.want {
				t.Errorf("results %q, want %q", s, tt.want)
			}
			if f.fills != tt.fills {
				t.Errorf("%d fills, want %d", f.fills, tt.fills)
			}
		})
	}
	t.Run("Go walks fill it", func(t *testing.T) {
		L := lua.NewState()
		defer L.Close()
		for _, walk := range []struct {
			name string
			do   func(v lua.LValue) (string, error)
		}{
			{"Encode", func(v lua.LValue) (string, error) { b, err := Encode(v); return string(b), err }},
			{"FromLuaPath", func(v lua.LValue) (string, error) { g, err := FromLuaPath(v, "v"); return fmt.Sprint(g), err }},
			{"Fill", func(v lua.LValue) (string, error) {
				Fill(v.(*lua.LTable))
				return fmt.Sprint(v.(*lua.LTable).RawGetString("a")), nil
			}},
		} {
			f := &testFiller{L: L}
			lt := L.CreateTable(0, 0)
			lt.Metatable = NewLazyMetatable(L, f)
			got, err := walk.do(lt)
			if err != nil || f.fills != 1 || !strings.Contains(got, "1") {
				t.Errorf("%s: %q, %v, %d fills; want it filled once", walk.name, got, err, f.fills)
			}
		}
	})
	t.Run("__pairs fills it", func(t *testing.T) {
		L := lua.NewState()
		defer L.Close()
		f := &testFiller{L: L}
		lt := L.CreateTable(0, 0)
		mt := NewLazyMetatable(L, f)
		lt.Metatable = mt
		if err := L.CallByParam(lua.P{Fn: mt.RawGetString("__pairs"), NRet: 3}, lt); err != nil {
			t.Fatal(err)
		}
		if L.Get(-2) != lt || f.fills != 1 || lt.RawGetString("a") != lua.LNumber(1) {
			t.Errorf("__pairs returned %v (want the table), %d fills", L.Get(-2), f.fills)
		}
	})
}
