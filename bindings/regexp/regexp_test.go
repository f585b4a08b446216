package regexp_test

import (
	"context"
	"strings"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"

	lregexp "github.com/soracron/soracron/bindings/regexp"
)

func newState(t *testing.T, m *lregexp.Module) *lua.LState {
	t.Helper()
	L := lua.NewState()
	t.Cleanup(L.Close)
	L.PreloadModule("regexp", m.Loader)
	return L
}

func TestRegexp(t *testing.T) {
	tests := []struct{ name, src string }{
		{"match", `assert(regexp.match("^sora-[0-9]+$", "sora-12") and not regexp.match("^sora-[0-9]+$", "sora-x"))`},
		{"match alternation", `assert(regexp.match("\\b(cat|dog)\\b", "a dog!"))`},
		{"find", `local m, g = regexp.find("(?P<key>\\w+)=(\\d+)", "-- a=1 b=2")
			assert(m == "a=1" and g[1] == "a" and g[2] == "1" and g.key == "a")`},
		{"find no match", `assert(regexp.find("x", "abc") == nil)`},
		{"find optional group", `local m, g = regexp.find("a(b)?c", "ac") assert(m == "ac" and g[1] == false)`},
		{"find_all", `local all = regexp.find_all("\\d+", "a1b22c333") assert(#all == 3 and all[3] == "333")`},
		{"find_all n", `assert(#regexp.find_all("\\d+", "a1b22c333", 2) == 2)`},
		{"gsub template", `local s, n = regexp.gsub("(\\w+)@", "ann@x bob@y", "<$1>@") assert(s == "<ann>@x <bob>@y" and n == 2)`},
		{"gsub named", `assert(regexp.gsub("(?P<d>\\d)", "a1", "[${d}]") == "a[1]")`},
		{"gsub function", `local s, n = regexp.gsub("\\d", "a1b2", function(m) return m .. m end) assert(s == "a11b22" and n == 2)`},
		{"gsub function groups", `assert(regexp.gsub("(\\w)(\\d)", "a1 b2", function(m, g) return g[2] .. g[1] end) == "1a 2b")`},
		{"gsub function nil keeps", `assert(regexp.gsub("\\d", "a1b2", function(m) if m == "1" then return nil end return "x" end) == "a1bx")`},
		{"gsub limit", `local s, n = regexp.gsub("a", "aaa", "b", 1) assert(s == "baa" and n == 1)`},
		{"gsub empty matches", `assert(regexp.gsub("x*", "ab", "-") == "-a-b-")`},
	}
	m := lregexp.New(0, 0)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := newState(t, m).DoString(`local regexp = require("regexp") ` + tt.src); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestRegexpErrors(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"bad pattern", `regexp.match("(", "x")`, `regexp.match: bad pattern "(": missing closing ): ` + "`(`"},
		{"pattern too long", `regexp.match(string.rep("a", 70000), "x")`, "pattern too long"},
		{"gsub result over the limit", `regexp.gsub("a", string.rep("a", 100), "bbbb")`, "regexp.gsub: result too large (over the limit of 200 bytes)"},
		{"gsub bad replacement", `regexp.gsub("a", "a", {})`, "replacement must be a string or a function"},
		{"gsub function returns a table", `regexp.gsub("a", "a", function() return {} end)`, "returned a table"},
		{"find_all too many", `regexp.find_all("", string.rep("a", 1100000))`, "too many matches (over 1048576)"},
	}
	m := lregexp.New(200, 0)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := newState(t, m).DoString(`local regexp = require("regexp") ` + tt.src)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestRegexpCache(t *testing.T) {
	m := lregexp.New(0, 2)
	L := newState(t, m)
	if err := L.DoString(`local regexp = require("regexp")
		for i = 1, 100 do assert(regexp.match("^a+$", "aaa")) end`); err != nil {
		t.Fatal(err)
	}
	if n := m.CacheLen(); n != 1 {
		t.Errorf("cache holds %d patterns after one pattern used 100 times, want 1", n)
	}
	if err := L.DoString(`local regexp = require("regexp")
		for i = 1, 10 do regexp.match("^a{" .. i .. "}$", "aaa") end`); err != nil {
		t.Fatal(err)
	}
	if n := m.CacheLen(); n != 2 {
		t.Errorf("cache holds %d patterns, want its bound 2", n)
	}
}

func TestRegexpGsubStopsAtTimeout(t *testing.T) {
	L := newState(t, lregexp.New(0, 0))
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	L.SetContext(ctx)
	start := time.Now()
	err := L.DoString(`local regexp = require("regexp")
		local s = string.rep("a", 100000)
		while true do regexp.gsub("a", s, function(m) return m end) end`)
	if err == nil || !strings.Contains(err.Error(), "context deadline exceeded") {
		t.Fatalf("got %v, want the context's error", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("stopped after %v", d)
	}
}
