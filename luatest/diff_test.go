package luatest

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"

	luajson "github.com/soracron/soracron/bindings/json"
)

// evalPair evaluates "return got, want" in a state with the json module.
func evalPair(t *testing.T, src string) (*lua.LState, lua.LValue, lua.LValue) {
	t.Helper()
	L := lua.NewState()
	t.Cleanup(L.Close)
	L.PreloadModule("json", luajson.Loader)
	// lazy(t) is a lazy table (like a batch's result) that fills in as t.
	L.SetGlobal("lazy", L.NewFunction(func(L *lua.LState) int {
		lt := L.CreateTable(0, 0)
		lt.Metatable = luajson.NewLazyMetatable(L, copyFiller{L.CheckTable(1)})
		L.Push(lt)
		return 1
	}))
	if err := L.DoString("local json = require('json')\n" + src); err != nil {
		t.Fatal(err)
	}
	return L, L.Get(-2), L.Get(-1)
}

// copyFiller fills a lazy table with the fields of from.
type copyFiller struct{ from *lua.LTable }

func (f copyFiller) Fill(t *lua.LTable) {
	t.Metatable = lua.LNil
	f.from.ForEach(t.RawSet)
}

func TestDeepEqual(t *testing.T) {
	tests := []struct {
		name string
		src  string // returns got, want
		diff string // formatDiff output; "" when equal
	}{
		{"equal scalars", `return "a", "a"`, ""},
		{"number vs string", `return 10, "10"`, "\n  - want \"10\"\n  + got  10"},
		{"nil vs null", `return nil, json.null`, "\n  - want null\n  + got  nil"},
		{"null vs null", `return json.null, json.null`, ""},
		{"nested equal", `return {a = {1, 2, {b = true}}}, {a = {1, 2, {b = true}}}`, ""},
		{"changed key", `return {a = 1, b = 2}, {a = 1, b = 3}`, "\n  - want b: 3\n  + got  b: 2"},
		{"missing and extra keys", `return {a = 1, c = 3}, {a = 1, b = 2}`,
			"\n  - want b: 2\n  + got  b: (absent)\n  - want c: (absent)\n  + got  c: 3"},
		{"array element", `return {1, 2, 3}, {1, 5}`,
			"\n  - want [2]: 5\n  + got  [2]: 2\n  - want [3]: (absent)\n  + got  [3]: 3"},
		{"deep path", `return {a = {b = {{c = 1}}}}, {a = {b = {{c = 2}}}}`, "\n  - want a.b[1].c: 2\n  + got  a.b[1].c: 1"},
		{"odd key", `return {["x y"] = 1}, {["x y"] = 2}`, "\n  - want [\"x y\"]: 2\n  + got  [\"x y\"]: 1"},
		{"array vs object", `return {1}, {a = 1}`, "\n  - want {\"a\":1}\n  + got  [1]"},
		{"marked empties differ", `return json.array(), json.object()`, "\n  - want {} (empty object)\n  + got  [] (empty array)"},
		{"unmarked empty equals array", `return json.array(), {}`, ""},
		{"unmarked empty equals object", `return {}, json.decode("{}")`, ""},
		{"unmarked empty vs non-empty", `return {1}, {}`, "\n  - want {}\n  + got  [1]"},
		{"decoded equals literal", `return json.decode('{"a":[1,null],"b":{}}'), {a = {1, json.null}, b = {}}`, ""},
		{"mixed tables", `return {1, a = 2}, {1, a = 3}`, "\n  - want a: 3\n  + got  a: 2"},
		{"cycles", `local a = {}; a.self = a; local b = {}; b.self = b; return a, b`, ""},
		{"json.numbers by value", `return {id = json.decode("9007199254740993")}, {id = json.number("9007199254740993.0")}`, ""},
		{"json.numbers differ", `return json.decode("9007199254740993"), json.number("9007199254740995")`,
			"\n  - want 9007199254740995\n  + got  9007199254740993"},
		{"lazy table filled", `return lazy({a = {1}}), {a = {1}}`, ""},
		{"lazy table differs", `return {x = lazy({a = 1})}, {x = {a = 2}}`, "\n  - want x.a: 2\n  + got  x.a: 1"},
		{"functions by identity", `local f = function() end; return {f = f}, {f = function() end}`, "function"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			L, got, want := evalPair(t, tc.src)
			ok, diffs, more := deepEqual(L, got, want)
			if ok != (tc.diff == "") {
				t.Fatalf("equal = %v, want %v (diffs %+v)", ok, tc.diff == "", diffs)
			}
			if tc.diff == "function" {
				if len(diffs) != 1 || diffs[0].path != "f" {
					t.Errorf("diffs = %+v, want one at f", diffs)
				}
				return
			}
			if s := formatDiff(diffs, more); s != tc.diff {
				t.Errorf("diff:\n%s\nwant:\n%s", s, tc.diff)
			}
		})
	}
}

func TestDeepEqualLimit(t *testing.T) {
	L, got, want := evalPair(t, `local a, b = {}, {}; for i = 1, 50 do a[i] = i; b[i] = -i end; return a, b`)
	_, diffs, more := deepEqual(L, got, want)
	if len(diffs) != maxDiffs || more != 50-maxDiffs {
		t.Fatalf("%d diffs and %d more, want %d and %d", len(diffs), more, maxDiffs, 50-maxDiffs)
	}
	if s := formatDiff(diffs, more); !strings.HasSuffix(s, "... and 30 more differences") {
		t.Errorf("diff ends %q", s[len(s)-40:])
	}
}

func TestLabelID(t *testing.T) {
	tests := []struct {
		label, want, err string
	}{
		{"C1", "000000000000000000000000C1", ""},
		{"alice", "000000000000000000000A11CE", ""},
		{"you", "00000000000000000000000Y0V", ""},
		{"0FQE5EA5YN3FS13P01QZ1JG8R0", "0FQE5EA5YN3FS13P01QZ1JG8R0", ""},
		{"", "", "1 to 26"},
		{"0FQE5EA5YN3FS13P01QZ1JG8R0X", "", "1 to 26"},
		{"a-b", "", "letters and digits"},
		{"é", "", "letters and digits"},
	}
	for _, tc := range tests {
		t.Run(tc.label, func(t *testing.T) {
			got, err := labelID(tc.label)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("labelID(%q) = %q, %v; want error %q", tc.label, got, err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("labelID(%q) = %q, %v; want %q", tc.label, got, err, tc.want)
			}
		})
	}
}

func TestFind(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"a_test.lua":              "",
		"a.lua":                   "",
		"sub/b_test.lua":          "",
		"sub/deeper/c_test.lua":   "",
		"testdata/skip_test.lua":  "",
		".hidden/skip_test.lua":   "",
		"_build/skip_test.lua":    "",
		"sub/not_a_test.lua.orig": "",
		"empty/readme.md":         "",
	})
	t.Chdir(dir)
	tests := []struct {
		name  string
		paths []string
		want  []string
		err   string
	}{
		{"default is the working directory", nil, []string{"a_test.lua", "sub/b_test.lua", "sub/deeper/c_test.lua"}, ""},
		{"recursive", []string{"sub"}, []string{"sub/b_test.lua", "sub/deeper/c_test.lua"}, ""},
		{"testdata given itself", []string{"testdata"}, []string{"testdata/skip_test.lua"}, ""},
		{"explicit file of any name", []string{"a.lua", "a_test.lua", "./a_test.lua"}, []string{"a.lua", "a_test.lua"}, ""},
		{"missing path", []string{"nope"}, nil, "nope"},
		{"no test files", []string{"empty"}, nil, "no test files"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Find(tc.paths)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("Find = %v, %v; want error %q", got, err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for i := range got {
				got[i] = filepath.ToSlash(got[i])
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("Find = %v, want %v", got, tc.want)
			}
		})
	}
	if _, err := os.Stat("a_test.lua"); err != nil {
		t.Fatal(err)
	}
}
