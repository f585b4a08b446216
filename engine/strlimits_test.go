package engine

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

func TestStringLimits(t *testing.T) {
	e := New(Options{MaxStringBytes: 1000})
	tests := []struct {
		name, src, want string // want: the value returned, or "error: <message>"
	}{
		{"rep at the limit", `return #string.rep("ab", 500)`, "1000"},
		{"rep over", `return string.rep("ab", 501)`, "error: string.rep: result too large (over the limit of 1000 bytes)"},
		{"rep method", `return ("x"):rep(2^40)`, "error: string.rep: result too large (over the limit of 1000 bytes)"},
		{"rep negative", `return string.rep("x", -5)`, ""},
		{"concat at the limit", `local t = {} for i = 1, 100 do t[i] = "123456789" end return #table.concat(t, ",")`, "999"},
		{"concat over", `local t = {} for i = 1, 101 do t[i] = "123456789" end return table.concat(t, ",")`, "error: table.concat: result too large (over the limit of 1000 bytes)"},
		{"concat range", `local t = {} for i = 1, 200 do t[i] = "123456789" end return #table.concat(t, "", 1, 100)`, "900"},
		{"concat bad value", `return table.concat({"a", {}, "b"})`, "error: invalid value (table) at index 2 in table for concat"},
		{"gsub over", `return (string.gsub(string.rep("x", 100), "x", "yyyyyyyyyyy"))`, "error: string.gsub: result too large (over the limit of 1000 bytes)"},
		{"gsub function over", `return (string.gsub(string.rep("x", 100), "x", function() return "0123456789ab" end))`, "error: string.gsub: result too large (over the limit of 1000 bytes)"},
		{"gsub under", `return (string.gsub(string.rep("x", 100), "x", "yyyyyyyyy"))`, strings.Repeat("yyyyyyyyy", 100)},
		{"gfind is gmatch", `local n = 0 for w in string.gfind("a b c", "%a") do n = n + 1 end return n`, "3"},
		{"format width 99", `return #string.format("%99d", 1)`, "99"},
		{"format width 100", `return string.format("%100d", 1)`, "error: invalid format (width or precision too long)"},
		{"format precision", `return string.format("%.999f", 1)`, "error: invalid format (width or precision too long)"},
		{"format percent", `return string.format("100%% %5.2f", 1.5)`, "100%  1.50"},
		{"json.encode over", `local s, err = require("json").encode(string.rep("x", 999)) return err`, "value is over 1000 bytes as JSON (the limit; is a table referenced many times?)"},
		{"json.decode over", `local v, err = require("json").decode("[" .. string.rep("1,", 500) .. "1]") return err`, "JSON text of 1003 bytes is over the limit of 1000 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := t.TempDir() + "/s.lua"
			if err := writeFile(path, tt.src); err != nil {
				t.Fatal(err)
			}
			res, err := e.Run(t.Context(), Request{Script: path})
			got := fmt.Sprint(res.Value)
			if !res.HasValue {
				got = ""
			}
			if err != nil {
				se, ok := err.(*ScriptError)
				if !ok {
					t.Fatalf("error %v", err)
				}
				got = "error: " + se.Message
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func writeFile(path, src string) error { return os.WriteFile(path, []byte(src), 0o644) }
