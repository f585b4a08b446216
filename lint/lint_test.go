package lint_test

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/soracron/soracron/lint"
)

func TestCheck(t *testing.T) {
	c, err := lint.New()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		src  string
		want []string // diagnostics as file:line: severity: message
	}{
		{"clean", `local sora = require("sora")
local json = require("json")
local n = 0
for _, conn in ipairs(assert(sora.list(args.channel_id or "sora"))) do
  n = n + 1
  print(json.encode(conn.metadata), event)
end
total = n
return total`, nil},
		{"unknown member of a local module", "local sora = require(\"sora\")\n\nsora.lst(\"sora\")\n",
			[]string{"x.lua:3: error: sora has no field 'lst' (did you mean 'list'?)"}},
		{"renamed local", "local S = require(\"strings\")\nreturn S.splt('a', ',')\n",
			[]string{"x.lua:2: error: strings has no field 'splt' (did you mean 'split'?)"}},
		{"global module", "json = require(\"json\")\nlocal function f() return json.decod('1') end\n",
			[]string{"x.lua:2: error: json has no field 'decod' (did you mean 'decode'?)"}},
		{"require directly", "return require(\"crypto\").sha265('x')\n",
			[]string{"x.lua:1: error: crypto has no field 'sha265' (did you mean 'sha256'?)"}},
		{"run module field", "local run = require(\"run\")\nreturn run.schedule or run.scheduled\n",
			[]string{"x.lua:2: error: run has no field 'schedule' (did you mean 'scheduled'?)"}},
		{"assignment", "local log = require(\"log\")\nlog.warning = print\n",
			[]string{"x.lua:2: error: cannot add a field to module log: log has no field 'warning' (did you mean 'warn'?)"}},
		{"method syntax", "local t = require(\"testing\")\nt:tset('x', function() end)\n",
			[]string{"x.lua:2: error: testing has no field 'tset' (did you mean 'test'?)"}},
		{"testing module", "local t = require(\"testing\")\nt.test('x', function() t.eq(1, 1) end)\n", nil},
		{"shadowed by a local table", "local sora = require(\"sora\")\ndo local sora = {} sora.lst = 1 end\n", nil},
		{"unknown global", "local count = 1\nprint(cout)\nprnt(count)\nprnt(count)\n",
			[]string{"x.lua:2: warning: global 'cout' is read but never assigned, and the sandbox has no such global (did you mean 'count'?)",
				"x.lua:3: warning: global 'prnt' is read but never assigned, and the sandbox has no such global (did you mean 'print'?)"}},
		{"removed library", "io.write('x')\n",
			[]string{"x.lua:1: warning: global 'io' is read but never assigned, and the sandbox has no such global"}},
		{"module as a global", "sora.list('sora')\n",
			[]string{"x.lua:1: warning: global 'sora' is read but never assigned, and the sandbox has no such global (modules are not globals: local sora = require(\"sora\"))"}},
		{"global assigned later or in a function", "function helper() return later end\nlater = 1\nhelper()\n", nil},
		{"locals of for, function and repeat", "for i = 1, 2 do print(i) end\nfor k, v in pairs({}) do print(k, v) end\nlocal function f(a, ...) return a end\nrepeat local done = true until done\n", nil},
		{"standard library field the sandbox leaves out", "os.execute('ls')\nlocal d = string.dump\nprint(string.format('%d', 1), os.time())\n",
			[]string{"x.lua:1: warning: os has no field 'execute' (the sandbox leaves it out)",
				"x.lua:2: warning: string has no field 'dump' (the sandbox leaves it out)"}},
		{"standard library field the script defines", "print(string.trim(' x '))\nfunction string.trim(s) return s end\n", nil},
		{"syntax error", "local x = = 1\n", []string{"x.lua:1: error: syntax error: "}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, d := range c.Check("x.lua", []byte(tt.src)) {
				got = append(got, d.String())
			}
			if tt.name == "syntax error" {
				if len(got) != 1 || !strings.HasPrefix(got[0], tt.want[0]) {
					t.Errorf("got %q", got)
				}
				return
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

// TestExampleScriptsAreClean: the example scripts and their tests pass
// the checks.
func TestExampleScriptsAreClean(t *testing.T) {
	c, err := lint.New()
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("../scripts/*.lua")
	if len(files) == 0 {
		t.Fatal("no scripts")
	}
	for _, f := range files {
		ds, err := c.CheckFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range ds {
			t.Errorf("%s", d)
		}
	}
}
