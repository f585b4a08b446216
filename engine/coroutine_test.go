package engine_test

import (
	"fmt"
	"strings"
	"testing"
)

// TestYieldAcrossGoBoundary: a yield from Lua code that a Go function
// called (pcall, xpcall, table.sort, string.gsub, tostring, a metamethod,
// a for iterator) is a Lua error naming the boundary, never a Go panic or
// a corrupt VM; the coroutine stays usable.
func TestYieldAcrossGoBoundary(t *testing.T) {
	tests := []struct{ name, body, want string }{
		{"pcall of yield", `return pcall(coroutine.yield, 1)`, "function 'pcall'"},
		{"pcall of a function that yields", `return pcall(function() coroutine.yield(1) end)`, "function 'pcall'"},
		{"xpcall", `return xpcall(function() coroutine.yield(1) end, function(m) return m end)`, "function 'xpcall'"},
		{"table.sort comparator", `return pcall(function() table.sort({3, 2, 1}, function(a, b) coroutine.yield() return a < b end) end)`, "function 'sort'"},
		{"string.gsub callback", `return pcall(function() return ("abc"):gsub("%w", function(c) coroutine.yield(c) end) end)`, "function 'gsub'"},
		{"__tostring", `return pcall(function() return tostring(setmetatable({}, {__tostring = function() coroutine.yield() return "x" end})) end)`, "function 'tostring'"},
		{"__index metamethod", `local t = setmetatable({}, {__index = function() coroutine.yield() end}) return pcall(function() return t.x end)`, "C-call boundary"},
		{"__add metamethod", `local t = setmetatable({}, {__add = function() coroutine.yield() end}) return pcall(function() return t + 1 end)`, "C-call boundary"},
		{"for iterator", `return pcall(function() for x in function() coroutine.yield() end do end end)`, "C-call boundary"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := `
local co = coroutine.create(function()
  local ok, err = (function() ` + tt.body + ` end)()
  coroutine.yield("after", ok, err)
  return "done"
end)
local r1 = {coroutine.resume(co)}
local r2 = {coroutine.resume(co)}
local r3 = {coroutine.resume(co)}
return {tostring(r1[1]), tostring(r1[2]), tostring(r1[3]), tostring(r1[4]), tostring(r2[1]), tostring(r2[2]), tostring(r3[1]), tostring(r3[2])}`
			res, err := run(t, src)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := res.Value.([]any)
			if len(got) != 8 {
				t.Fatalf("got %v", res.Value)
			}
			// first resume: the error was caught, then the legal yield
			if got[0] != "true" || got[1] != "after" || got[2] != "false" ||
				!strings.Contains(got[3].(string), "attempt to yield across a C-call boundary") || !strings.Contains(got[3].(string), tt.want) {
				t.Errorf("first resume: %v", got[:4])
			}
			// resuming again is safe: the coroutine ends normally
			if got[4] != "true" || got[5] != "done" || got[6] != "false" || !strings.Contains(got[7].(string), "dead") {
				t.Errorf("later resumes: %v", got[4:])
			}
		})
	}
	t.Run("legal yields still work", func(t *testing.T) {
		res, err := run(t, `
local gen = coroutine.wrap(function() for i = 1, 3 do coroutine.yield(i) end return "end" end)
local function tail() return coroutine.yield("tail") end
local co2 = coroutine.wrap(function() local v = tail() return v end)
return {gen(), gen(), gen(), gen(), co2(), co2("back")}`)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := res.Value.([]any)
		want := []string{"1", "2", "3", "end", "tail", "back"}
		for i, w := range want {
			if i >= len(got) || toString(got[i]) != w {
				t.Fatalf("got %v, want %v", got, want)
			}
		}
	})
	t.Run("yield outside a coroutine", func(t *testing.T) {
		_, err := run(t, `coroutine.yield(1)`)
		if se := scriptError(t, err); !strings.Contains(se.Message, "outside a coroutine") {
			t.Errorf("got %v", se)
		}
	})
	t.Run("xpcall keeps upvalues", func(t *testing.T) {
		res, err := run(t, `
local f
xpcall(function() local x = 1; f = function() return x end; error("e") end, function(e) return e end)
local a, b, c = 7, 8, 9
local function g(p, q, r) local s, t = 100, 200; return s + t end
g(1, 2, 3)
return f()`)
		if err != nil || toString(res.Value) != "1" {
			t.Errorf("got %v %v", res.Value, err)
		}
	})
}

func toString(v any) string { return fmt.Sprint(v) }
