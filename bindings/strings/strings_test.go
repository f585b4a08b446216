package strings_test

import (
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"

	lstrings "github.com/soracron/soracron/bindings/strings"
)

func run(t *testing.T, max int, src string) error {
	t.Helper()
	L := lua.NewState()
	t.Cleanup(L.Close)
	L.PreloadModule("strings", lstrings.New(max).Loader)
	return L.DoString(`local strings = require("strings") ` + src)
}

func TestStrings(t *testing.T) {
	tests := []struct{ name, src string }{
		{"split", `local p = strings.split("a,b,,c", ",") assert(#p == 4 and p[1] == "a" and p[3] == "" and p[4] == "c")`},
		{"split n", `local p = strings.split("a,b,c", ",", 2) assert(#p == 2 and p[2] == "b,c")`},
		{"split empty sep", `local p = strings.split("añb", "") assert(#p == 3 and p[2] == "ñ")`},
		{"fields", `local p = strings.fields("  a \t b\n") assert(#p == 2 and p[1] == "a" and p[2] == "b")`},
		{"join", `assert(strings.join({"a", 1, "c"}, "/") == "a/1/c") assert(strings.join({}) == "")`},
		{"trim space", `assert(strings.trim("  x y \n") == "x y")`},
		{"trim cutset", `assert(strings.trim("--x--", "-") == "x")`},
		{"prefix suffix contains", `assert(strings.has_prefix("sora-1", "sora") and not strings.has_prefix("x", "sora")
			and strings.has_suffix("a.lua", ".lua") and strings.contains("abc", "b") and not strings.contains("abc", "d"))`},
		{"replace", `assert(strings.replace("aaa", "a", "b") == "bbb" and strings.replace("aaa", "a", "b", 2) == "bba")`},
		{"lower upper", `assert(strings.lower("AbC") == "abc" and strings.upper("AbC") == "ABC")`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := run(t, 0, tt.src); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestStringsErrors(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"replace over the limit", `strings.replace(string.rep("a", 100), "a", "bbbb")`, "strings.replace: result too large (over the limit of 200 bytes)"},
		{"replace empty old over the limit", `strings.replace(string.rep("a", 100), "", "bb")`, "strings.replace: result too large"},
		{"join over the limit", `local t = {} for i = 1, 100 do t[i] = "abc" end strings.join(t, ",")`, "strings.join: result too large"},
		{"join of a table", `strings.join({"a", {}})`, "element 2 is a table"},
		{"split without separator", `strings.split("a")`, "bad argument #2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := run(t, 200, tt.src)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
	t.Run("under the limit", func(t *testing.T) {
		if err := run(t, 200, `assert(#strings.replace(string.rep("a", 50), "a", "bbbb") == 200)`); err != nil {
			t.Fatal(err)
		}
	})
}
