package json

import (
	stdjson "encoding/json"
	"errors"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// newJSONState returns a fresh LState with the json module preloaded.
func newJSONState(t testing.TB) *lua.LState {
	t.Helper()
	L := lua.NewState()
	t.Cleanup(L.Close)
	L.PreloadModule("json", Loader)
	return L
}

// TestJSONLuaFiles runs every testdata/json_*.lua in a fresh state; the
// scripts assert() and a failure reports the script's file:line.
func TestJSONLuaFiles(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "json_*.lua"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no testdata/json_*.lua files")
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			L := newJSONState(t)
			if err := L.DoFile(file); err != nil {
				var apiErr *lua.ApiError
				if errors.As(err, &apiErr) {
					t.Fatalf("%v", apiErr.Object)
				}
				t.Fatal(err)
			}
		})
	}
}

// luaValue evaluates a Lua expression with json loaded as a global.
func luaValue(t *testing.T, L *lua.LState, expr string) lua.LValue {
	t.Helper()
	if err := L.DoString("json = require('json'); __v = " + expr); err != nil {
		t.Fatalf("eval %s: %v", expr, err)
	}
	return L.GetGlobal("__v")
}

func TestJSONNullPerState(t *testing.T) {
	L1, L2 := newJSONState(t), newJSONState(t)
	n1, n2 := Null(L1), Null(L2)
	if n1 == n2 {
		t.Fatal("two states share the null sentinel")
	}
	if Null(L1) != n1 {
		t.Fatal("Null is not stable within a state")
	}
	if !isJSONNull(n1) || isJSONNull(lua.LNil) || isJSONNull(lua.LString("null")) || isJSONNull(L1.NewUserData()) {
		t.Fatal("isJSONNull misclassifies")
	}
	co, _ := L1.NewThread()
	if Null(co) != n1 {
		t.Fatal("a coroutine sees another null")
	}
	if got := luaValue(t, L1, "json.null"); got != n1 {
		t.Fatalf("json.null = %v, Null(L) = %v", got, n1)
	}
	if err := L1.DoString(`assert(tostring(require("json").null) == "null")`); err != nil {
		t.Fatal(err)
	}
	// The sentinel lives in the registry, keyed by name.
	if _, ok := L2.G.Registry.RawGetString(jsonRegistryKey).(*lua.LUserData); !ok {
		t.Fatal("json state not in the registry")
	}
}

func TestJSONMarkers(t *testing.T) {
	L := newJSONState(t)
	tests := []struct {
		name string
		mark func(*lua.LState, *lua.LTable)
		fill func(*lua.LTable)
		want string
	}{
		{"empty array", MarkArray, func(*lua.LTable) {}, "[]"},
		{"empty object", MarkObject, func(*lua.LTable) {}, "{}"},
		{"array", MarkArray, func(t *lua.LTable) { t.Append(lua.LString("x")) }, `["x"]`},
		{"object", MarkObject, func(t *lua.LTable) { t.RawSetString("k", lua.LTrue) }, `{"k":true}`},
		{"remark", func(L *lua.LState, t *lua.LTable) { MarkArray(L, t); MarkObject(L, t) }, func(*lua.LTable) {}, "{}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tb := L.NewTable()
			tt.mark(L, tb)
			tt.fill(tb)
			got, err := Encode(tb)
			if err != nil || string(got) != tt.want {
				t.Fatalf("Encode = %s, %v; want %s", got, err, tt.want)
			}
			g, err := FromLuaPath(tb, "")
			if err != nil {
				t.Fatal(err)
			}
			if b, _ := stdjson.Marshal(g); string(b) != tt.want {
				t.Fatalf("FromLua marshals to %s, want %s", b, tt.want)
			}
		})
	}
}

func TestJSONFromLuaPath(t *testing.T) {
	L := newJSONState(t)
	tests := []struct {
		name, expr, root, want string
		kind                   error
	}{
		{"function in array", "{a = {1, 2, print}}", "metadata", "bad value at metadata.a[3]: function cannot be encoded as JSON", ErrValue},
		{"no root", "{a = {1, 2, print}}", "", "bad value at a[3]: function cannot be encoded as JSON", ErrValue},
		{"root value", "print", "", "bad value at (root): function cannot be encoded as JSON", ErrValue},
		{"root value named", "print", "args", "bad value at args: function cannot be encoded as JSON", ErrValue},
		{"userdata", "{u = newproxy and newproxy() or coroutine.create(print)}", "", "bad value at u: ", ErrValue},
		{"cycle", "(function() local t = {a = {}}; t.a.b = t; return t end)()", "", "cycle at a.b", ErrCycle},
		{"cycle rooted", "(function() local t = {a = {}}; t.a.b = t; return t end)()", "md", "cycle at md.a.b", ErrCycle},
		{"nan", "{x = {y = 0/0}}", "", "bad value at x.y: NaN is not a valid JSON number", ErrNumber},
		{"inf", "{1/0}", "", "bad value at [1]: +Inf is not a valid JSON number", ErrNumber},
		{"quoted key", `{["a b"] = {[2] = 1}}`, "m", `bad value at m["a b"][1]: array has a hole`, ErrValue},
		{"bad utf8", `{k = "\255"}`, "", "bad value at k: string is not valid UTF-8", ErrValue},
		{"mixed", `{1, k = 2}`, "", "bad value at k: table mixes array elements and string keys", ErrValue},
		{"float key", `{[2.5] = 1}`, "", "bad value at [2.5]: key of type number is neither", ErrValue},
		{"negative key", `{[-1] = 1}`, "", "bad value at [-1]:", ErrValue},
		{"table key", `{[{}] = 1}`, "", "bad value at [table: ", ErrValue},
		{"hole in marked", `json.array({1, nil, 3})`, "", "bad value at [2]: array has a hole", ErrValue},
		{"sparse hash keys", `{[100000000] = 1}`, "", "bad value at [1]: sparse array", ErrValue},
		{"marked array sparse", `(function() local t = json.array(); t[100000000] = 1; return t end)()`, "", "bad value at [1]: array has a hole", ErrValue},
		{"marked array string key", `json.array({1, x = 1})`, "", "bad value at x: array has a key that is not an index", ErrValue},
		{"marked object", `json.object({"a"})`, "", "bad value at [1]: object key must be a string, got number", ErrValue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := luaValue(t, L, tt.expr)
			_, err := FromLuaPath(v, tt.root)
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("FromLuaPath err = %v, want prefix %q", err, tt.want)
			}
			if !errors.Is(err, tt.kind) {
				t.Fatalf("errors.Is(%v, %v) = false", err, tt.kind)
			}
			var pe *PathError
			if !errors.As(err, &pe) {
				t.Fatalf("%T is not a *PathError", err)
			}
			if tt.root == "" {
				_, encErr := Encode(v)
				if encErr == nil || encErr.Error() != err.Error() {
					t.Fatalf("Encode err = %v, FromLua err = %v", encErr, err)
				}
			}
		})
	}
}

func TestJSONFromLuaTypes(t *testing.T) {
	L := newJSONState(t)
	v := luaValue(t, L, `{s = "x", n = 3, f = 0.5, neg = -2, b = false, z = json.null, a = json.array(), o = {}, big = 2^60}`)
	got, err := FromLuaPath(v, "")
	if err != nil {
		t.Fatal(err)
	}
	m := got.(map[string]any)
	want := map[string]any{
		"s": "x", "n": stdjson.Number("3"), "f": stdjson.Number("0.5"), "neg": stdjson.Number("-2"), "b": false,
		"z": nil, "a": []any{}, "o": map[string]any{}, "big": stdjson.Number("1152921504606846976"),
	}
	if len(m) != len(want) {
		t.Fatalf("got %d keys, want %d: %v", len(m), len(want), m)
	}
	for k, w := range want {
		g, ok := m[k]
		if !ok {
			t.Fatalf("key %q dropped", k)
		}
		gb, _ := stdjson.Marshal(g)
		wb, _ := stdjson.Marshal(w)
		if string(gb) != string(wb) {
			t.Errorf("%s = %#v (%s), want %#v (%s)", k, g, gb, w, wb)
		}
		if _, isNum := w.(stdjson.Number); isNum {
			if _, ok := g.(stdjson.Number); !ok {
				t.Errorf("%s is %T, want stdjson.Number", k, g)
			}
		}
	}
	if g, err := FromLuaPath(lua.LNil, ""); g != nil || err != nil {
		t.Fatalf("FromLuaPath(nil) = %v, %v", g, err)
	}
}

func TestJSONToLuaGoTypes(t *testing.T) {
	L := newJSONState(t)
	tests := []struct {
		name string
		in   any
		want string // Encode of the result, or the error prefix
		err  error
	}{
		{"nil", nil, "null", nil},
		{"int", 42, "42", nil},
		{"int64 2^53", int64(1 << 53), "9007199254740992", nil},
		{"int64 2^53+1", int64(1<<53 + 1), "9007199254740993", nil},
		{"int64 exact beyond 2^53", int64(1 << 60), "1152921504606846976", nil},
		{"uint64 max", uint64(1<<64 - 1), "18446744073709551615", nil},
		{"int8", int8(-3), "-3", nil},
		{"uint8", uint8(200), "200", nil},
		{"float64", 0.25, "0.25", nil},
		{"float32", float32(1.5), "1.5", nil},
		{"nan", map[string]any{"x": []any{1.0, mathNaN()}}, "bad value at x[2]: NaN", ErrNumber},
		{"number", stdjson.Number("-12.5e1"), "-125", nil},
		{"bad number syntax", map[string]any{"n": stdjson.Number("0x10")}, `bad value at n: invalid number "0x10"`, ErrNumber},
		{"inexact number", map[string]any{"a": []any{stdjson.Number("9007199254740993")}}, `{"a":[9007199254740993]}`, nil},
		{"string map", map[string]string{"b": "2", "a": "1"}, `{"a":"1","b":"2"}`, nil},
		{"strings", []string{"x", "y"}, `["x","y"]`, nil},
		{"maps", []map[string]any{{"a": nil}, {}}, `[{"a":null},{}]`, nil},
		{"empty", map[string]any{"o": map[string]any{}, "a": []any{}}, `{"a":[],"o":{}}`, nil},
		{"raw", map[string]any{"r": stdjson.RawMessage(`{"x":[1,null,{}]}`)}, `{"r":{"x":[1,null,{}]}}`, nil},
		{"raw empty", stdjson.RawMessage(nil), "null", nil},
		{"raw inexact", map[string]any{"r": stdjson.RawMessage(`{"x":[1e400]}`)}, `{"r":{"x":[1e400]}}`, nil},
		{"raw syntax", map[string]any{"r": stdjson.RawMessage(`{`)}, "bad value at r: invalid JSON: unexpected end of input", ErrValue},
		{"raw syntax at root", stdjson.RawMessage(`[1,]`), "invalid JSON at offset 4: invalid character ']'", nil},
		{"lua value", lua.LString("s"), `"s"`, nil},
		{"unsupported", map[string]any{"t": struct{}{}}, "bad value at t: unsupported Go type struct {}", ErrValue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lv, err := TryToLua(L, tt.in)
			if err != nil {
				if !strings.HasPrefix(err.Error(), tt.want) {
					t.Fatalf("TryToLua err = %v, want prefix %q", err, tt.want)
				}
				if tt.err != nil && !errors.Is(err, tt.err) {
					t.Fatalf("errors.Is(%v, %v) = false", err, tt.err)
				}
				return
			}
			got, err := Encode(lv)
			if err != nil || string(got) != tt.want {
				t.Fatalf("Encode(ToLua) = %s, %v; want %s", got, err, tt.want)
			}
		})
	}
}

func mathNaN() float64 { var z float64; return z / z }

func TestJSONToLuaRaises(t *testing.T) {
	L := newJSONState(t)
	L.SetGlobal("bad", L.NewFunction(func(L *lua.LState) int {
		L.Push(ToLua(L, map[string]any{"n": stdjson.Number("0x10")}))
		return 1
	}))
	err := L.DoString("local x = bad()")
	if err == nil || !strings.Contains(err.Error(), "bad value at n: invalid number") {
		t.Fatalf("err = %v", err)
	}
}

func TestJSONToLuaSortedKeys(t *testing.T) {
	L := newJSONState(t)
	L.SetGlobal("md", ToLua(L, map[string]any{"c": 1, "a": 2, "b": 3, "d": 4}))
	if err := L.DoString(`
		local ks = {}
		for k in pairs(md) do ks[#ks + 1] = k end
		assert(table.concat(ks, ",") == "a,b,c,d", table.concat(ks, ","))
	`); err != nil {
		t.Fatal(err)
	}
}

func TestJSONDepth(t *testing.T) {
	L := newJSONState(t)
	nest := func(n int) (any, string) {
		var v any = []any{}
		for i := 1; i < n; i++ {
			v = []any{v}
		}
		return v, strings.Repeat("[", n) + strings.Repeat("]", n)
	}
	ok, okText := nest(MaxDepth)
	deep, deepText := nest(MaxDepth + 1)

	lv, err := Decode(L, []byte(okText))
	if err != nil {
		t.Fatalf("decode at the limit: %v", err)
	}
	if b, err := Encode(lv); err != nil || string(b) != okText {
		t.Fatalf("encode at the limit: %v", err)
	}
	if _, err := FromLuaPath(lv, ""); err != nil {
		t.Fatalf("FromLua at the limit: %v", err)
	}
	if _, err := TryToLua(L, ok); err != nil {
		t.Fatalf("ToLua at the limit: %v", err)
	}
	if _, err := Decode(L, []byte(deepText)); !errors.Is(err, ErrTooDeep) {
		t.Fatalf("decode beyond the limit: %v", err)
	}
	if _, err := TryToLua(L, deep); !errors.Is(err, ErrTooDeep) {
		t.Fatalf("ToLua beyond the limit: %v", err)
	}
	top := L.NewTable()
	top.Append(lv)
	if _, err := Encode(top); !errors.Is(err, ErrTooDeep) {
		t.Fatalf("encode beyond the limit: %v", err)
	} else if len(err.Error()) > 400 {
		t.Fatalf("path not shortened: %d bytes", len(err.Error()))
	}
	if _, err := FromLuaPath(top, ""); !errors.Is(err, ErrTooDeep) {
		t.Fatalf("FromLua beyond the limit: %v", err)
	}
	// A Go map that contains itself hits the depth limit, not a stack overflow.
	self := map[string]any{}
	self["self"] = self
	if _, err := TryToLua(L, self); !errors.Is(err, ErrTooDeep) {
		t.Fatalf("ToLua of a cyclic map: %v", err)
	}
}

func TestJSONPathString(t *testing.T) {
	long := jsonPath{root: "md"}
	for range 60 {
		long.pushKey("k")
	}
	idx := jsonPath{}
	for i := range 60 {
		idx.pushIdx(i + 1)
	}
	tests := []struct {
		name string
		path jsonPath
		want string
	}{
		{"empty", jsonPath{}, "(root)"},
		{"root only", jsonPath{root: "metadata"}, "metadata"},
		{"keys", jsonPath{root: "metadata", segs: []pathSeg{{key: "a"}, {idx: 3}, {key: "b_2"}}}, "metadata.a[3].b_2"},
		{"first key", jsonPath{segs: []pathSeg{{key: "a"}, {key: "b"}}}, "a.b"},
		{"quoted", jsonPath{segs: []pathSeg{{key: "x-y"}, {key: ""}, {key: "1a"}, {key: `q"`}}}, `["x-y"][""]["1a"]["q\""]`},
		{"other keys", jsonPath{segs: []pathSeg{{other: lua.LNumber(1.5)}, {other: lua.LTrue}, {other: lua.LNumber(-1)}}}, "[1.5][true][-1]"},
		{"long keys", long, "md" + strings.Repeat(".k", 24) + "..." + "k" + strings.Repeat(".k", 23)},
		{"long indices", idx, func() string {
			var sb strings.Builder
			for i := 1; i <= 24; i++ {
				sb.WriteString("[" + strconv.Itoa(i) + "]")
			}
			sb.WriteString("...")
			for i := 37; i <= 60; i++ {
				sb.WriteString("[" + strconv.Itoa(i) + "]")
			}
			return sb.String()
		}()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.path.String(); got != tt.want {
				t.Fatalf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}
