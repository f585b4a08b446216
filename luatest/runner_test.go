package luatest

import (
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// setStatus is a script that sets status on every connection of a channel.
const setStatus = `local sora = require("sora")
local time = require("time")
local ch = args.channel_id or "sora"
for _, c in ipairs(assert(sora.list(ch))) do
  assert(sora.put_item(ch, c.connection_id, "status", args.status or "away", { push = args.push == true }))
end
return { at = time.now(), os_time = os.time(), status = args.status or "away" }
`

// outcome is what a test of a Lua file should report.
type outcome struct {
	ok    bool
	line  int      // line of the failure in main_test.lua
	where string   // suffix of Where when the failure is elsewhere
	error []string // substrings of the message
}

func TestRun(t *testing.T) {
	header := lines(
		`local t = require("testing")`,
		`local json = require("json")`,
		`local A, B = t.id("A"), t.id("B")`,
		`t.fixture({ sora = { { connection_id = A, metadata = { status = "busy", n = 1 } }, { connection_id = B } } })`,
	) // 4 lines: tests start on line 5
	tests := []struct {
		name    string
		body    string            // appended to header
		extra   map[string]string // more files
		filter  string
		timeout time.Duration
		want    map[string]outcome
		sum     Summary
	}{
		{
			name: "run a script and check metadata, pushes and requests",
			body: lines(
				`t.test("ok", function()`,
				`  local res, err = t.run("set_status.lua", { status = "away", push = true }, { now = 3600.5 })`,
				`  t.eq(err, nil)`,
				`  t.eq(res, { at = 3600.5, os_time = 3600, status = "away" })`,
				`  t.eq(t.metadata("sora", A), { status = "away", n = 1 })`,
				`  t.eq(t.metadata("sora", B), { status = "away" })`,
				`  t.eq(t.metadata("sora", t.id("Z")), nil)`,
				`  local p = t.pushes("sora")`,
				`  t.eq(#p, 4)`,
				`  t.eq(p[2], { channel_id = "sora", connection_id = B, message = { type = "push", data = {`,
				`    type = "signaling_notify_metadata_ext", action = "PutMetadataItem", connection_id = A, key = "status", value = "away" } } })`,
				`  local r = t.requests()`,
				`  t.eq(#r, 3)`,
				`  t.eq(r[1], { target = "Sora_20201124.ListSignalingNotifyMetadata", action = "list", status = 200, attempt = 1 })`,
				`  t.eq(t.stats(), { calls = { list = 1, put_item = 2 }, failures = 0, writes = 2, dry_run = false })`,
				`  t.eq(t.plan(), nil)`,
				`end)`,
			),
			want: map[string]outcome{"ok": {ok: true}},
			sum:  Summary{Passed: 1},
		},
		{
			name: "every test starts from a fresh emulator with the fixture",
			body: lines(
				`t.test("first writes", function()`,
				`  t.run("set_status.lua", { status = "gone" })`,
				`  t.eq(t.metadata("sora", A).status, "gone")`,
				`end)`,
				`t.test("second sees the fixture", function()`,
				`  t.eq(t.metadata("sora", A).status, "busy")`,
				`  t.eq(t.pushes(), {})`,
				`  t.eq(t.requests(), {})`,
				`  t.eq(t.stats(), nil)`,
				`end)`,
				`t.fixture({ lobby = { {} } })`,
				`t.test("later fixture", function()`,
				`  t.eq(t.connections("sora"), {})`,
				`  t.eq(#t.connections("lobby"), 1)`,
				`  t.eq(t.connections("lobby")[1].role, "sendrecv")`,
				`end)`,
				`t.test("fixture inside a test replaces the state", function()`,
				`  t.fixture({ sora = { { connection_id = B, metadata = { x = json.array() } } } })`,
				`  t.eq(#t.connections(), 1)`,
				`  t.eq(t.metadata("sora", B).x, json.array())`,
				`end)`,
			),
			want: map[string]outcome{
				"first writes":                             {ok: true},
				"second sees the fixture":                  {ok: true},
				"later fixture":                            {ok: true},
				"fixture inside a test replaces the state": {ok: true},
			},
			sum: Summary{Passed: 4},
		},
		{
			name: "failed assertions report the line and a diff",
			body: lines(
				`t.test("eq", function()`,
				`  t.eq(t.metadata("sora", A), { status = "away", n = 1, extra = json.null })`,
				`end)`,
				`t.test("eq message", function()`,
				`  t.eq({ 1, 2, 3 }, { 1, 2 }, "lengths")`,
				`end)`,
				`t.test("array vs object", function()`,
				`  t.eq(json.array(), json.object())`,
				`end)`,
				`t.test("ne", function()`,
				`  t.ne({ a = 1 }, { a = 1 })`,
				`end)`,
				`t.test("truthy", function()`,
				`  t.truthy(false, "must be set")`,
				`end)`,
				`t.test("falsy", function()`,
				`  t.falsy("x")`,
				`end)`,
				`t.test("error_matches no error", function()`,
				`  t.error_matches(function() end, "x")`,
				`end)`,
				`t.test("error_matches mismatch", function()`,
				`  t.error_matches(function() error("boom") end, "bang")`,
				`end)`,
				`local function helper(v) t.eq(v, "want") end`,
				`t.test("helper", function()`,
				`  helper("got")`,
				`end)`,
			),
			want: map[string]outcome{
				"eq": {line: 6, error: []string{"t.eq failed",
					"\n  - want extra: null\n  + got  extra: (absent)",
					"\n  - want status: \"away\"\n  + got  status: \"busy\""}},
				"eq message":             {line: 9, error: []string{"t.eq failed: lengths\n  - want [3]: (absent)\n  + got  [3]: 3"}},
				"array vs object":        {line: 12, error: []string{"- want {} (empty object)\n  + got  [] (empty array)"}},
				"ne":                     {line: 15, error: []string{`t.ne failed`, `both are {"a":1}`}},
				"truthy":                 {line: 18, error: []string{"t.truthy failed: must be set\n  got false"}},
				"falsy":                  {line: 21, error: []string{"t.falsy failed\n  got \"x\""}},
				"error_matches no error": {line: 24, error: []string{"the function returned without an error"}},
				"error_matches mismatch": {line: 27, error: []string{`pattern "bang"`, `main_test.lua:27: boom`}},
				"helper":                 {line: 29, error: []string{"- want \"want\"\n  + got  \"got\""}},
			},
			sum: Summary{Failed: 9},
		},
		{
			name: "script failures are returned, not raised",
			extra: map[string]string{
				"broken.lua": "local x = = 1\n",
				"fails.lua":  "local sora = require('sora')\nassert(sora.get('sora', 'nope'))\n",
			},
			body: lines(
				`t.test("runtime", function()`,
				`  local res, err = t.run("fails.lua")`,
				`  t.eq(res, nil)`,
				`  t.eq(err.kind, "runtime")`,
				`  t.eq(err.line, 2)`,
				`  t.error_matches(err, "connection_not_found")`,
				`  t.eq(t.requests()[1].status, 400)`,
				`  t.truthy(t.requests()[1].error)`,
				`  t.eq(t.stats().failures, 1)`,
				`end)`,
				`t.test("syntax", function()`,
				`  local _, err = t.run("broken.lua")`,
				`  t.eq(err.kind, "syntax")`,
				`  t.eq(err.line, 1)`,
				`end)`,
				`t.test("missing script", function()`,
				`  t.run("no_such.lua")`,
				`end)`,
				`t.test("bad option", function()`,
				`  t.run("set_status.lua", nil, { later = true })`,
				`end)`,
			),
			want: map[string]outcome{
				"runtime":        {ok: true},
				"syntax":         {ok: true},
				"missing script": {line: 21, error: []string{`t.run: script "no_such.lua" not found`}},
				"bad option":     {line: 24, error: []string{"unknown option later"}},
			},
			sum: Summary{Passed: 2, Failed: 2},
		},
		{
			name: "clock, dry run, connect and disconnect",
			body: lines(
				`t.test("clock", function()`,
				`  t.eq(t.now(100), 100)`,
				`  local res = t.run("set_status.lua")`,
				`  t.eq(res.at, 100)`,
				`  res = t.run("set_status.lua", nil, { now = 5 })`,
				`  t.eq(res.at, 5)`,
				`  t.eq(t.now(), 100, "opts.now is for one run")`,
				`  t.eq(require("time").now(), 100, "the test file reads the clock too")`,
				`end)`,
				`t.test("dry run", function()`,
				`  local _, err = t.run("set_status.lua", nil, { dry_run = true })`,
				`  t.eq(err, nil)`,
				`  t.eq(t.metadata("sora", A).status, "busy")`,
				`  t.eq(t.plan().changes[1].changed, { status = { "busy", "away" } })`,
				`  t.eq(t.plan().changes[2].added, { status = "away" })`,
				`  t.eq(t.stats().dry_run, true)`,
				`  t.run("set_status.lua", { status = "x" })`,
				`  t.eq(t.stats().dry_run, false)`,
				`  t.eq(#t.plan().changes, 2, "a live run keeps the plan of the last dry run")`,
				`end)`,
				`t.test("connect", function()`,
				`  local id = t.connect("sora", { client_id = "late", metadata = { status = "new" } })`,
				`  t.eq(#id, 26)`,
				`  t.eq(t.disconnect("sora", B), true)`,
				`  t.eq(t.disconnect("sora", B), false)`,
				`  t.run("set_status.lua")`,
				`  local ids = {}`,
				`  for _, c in ipairs(t.connections("sora")) do ids[#ids + 1] = c.connection_id end`,
				`  table.sort(ids)`,
				`  local want = { A, id }`,
				`  table.sort(want)`,
				`  t.eq(ids, want)`,
				`  t.eq(t.metadata("sora", id), { status = "away" })`,
				`end)`,
			),
			want: map[string]outcome{"clock": {ok: true}, "dry run": {ok: true}, "connect": {ok: true}},
			sum:  Summary{Passed: 3},
		},
		{
			name:   "filter",
			filter: "^b",
			body: lines(
				`t.test("a", function() error("must not run") end)`,
				`t.test("b1", function() end)`,
				`t.test("b2", function() end)`,
			),
			want: map[string]outcome{"b1": {ok: true}, "b2": {ok: true}},
			sum:  Summary{Passed: 2},
		},
		{
			name:    "timeout",
			timeout: 300 * time.Millisecond,
			body: lines(
				`t.test("sleeps", function()`,
				`  require("time").sleep(30)`,
				`end)`,
				`t.test("loops", function()`,
				`  while true do end`,
				`end)`,
				`t.test("runs after", function() end)`,
			),
			want: map[string]outcome{
				"sleeps":     {line: 6, error: []string{"timed out after 300ms"}},
				"loops":      {line: 9, error: []string{"timed out after 300ms"}},
				"runs after": {ok: true},
			},
			sum: Summary{Passed: 1, Failed: 2},
		},
		{
			name: "fixture from a YAML file and errors in helpers",
			extra: map[string]string{
				"fixtures/two.yaml": "channels:\n  sora:\n    - connection_id: 0FQE5EA5YN3FS13P01QZ1JG8R0\n      metadata: {seat: 12}\n    - {}\n",
				"lib/check.lua":     "local t = require('testing')\nreturn function(v)\n  t.eq(v, 13)\nend\n",
			},
			body: lines(
				`t.fixture("fixtures/two.yaml")`,
				`local check = require("lib.check")`,
				`t.test("yaml", function()`,
				`  t.eq(#t.connections("sora"), 2)`,
				`  t.eq(t.metadata("sora", "0FQE5EA5YN3FS13P01QZ1JG8R0"), { seat = 12 })`,
				`  check(t.metadata("sora", "0FQE5EA5YN3FS13P01QZ1JG8R0").seat)`,
				`end)`,
			),
			want: map[string]outcome{"yaml": {where: "lib/check.lua:3", error: []string{"- want 13\n  + got  12"}}},
			sum:  Summary{Failed: 1},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			files := map[string]string{"main_test.lua": header + tc.body, "set_status.lua": setStatus}
			for k, v := range tc.extra {
				files[k] = v
			}
			opts := Options{Timeout: tc.timeout}
			if tc.filter != "" {
				opts.Filter = regexp.MustCompile(tc.filter)
			}
			sum, c := runLua(t, files, opts)
			if sum != tc.sum {
				t.Errorf("summary = %+v, want %+v; results %+v", sum, tc.sum, c.results)
			}
			if len(c.results) != len(tc.want) {
				t.Errorf("%d results, want %d: %+v", len(c.results), len(tc.want), c.results)
			}
			for name, w := range tc.want {
				r := c.byName(t, name)
				if r.OK != w.ok {
					t.Errorf("%s: ok = %v, want %v (error %q, where %q, output %q)", name, r.OK, w.ok, r.Error, r.Where, r.Output)
					continue
				}
				if w.ok {
					continue
				}
				if w.line != 0 && (r.Line != w.line || !strings.HasSuffix(r.Where, "main_test.lua:"+strconv.Itoa(w.line))) {
					t.Errorf("%s: failed at %q (line %d), want main_test.lua:%d", name, r.Where, r.Line, w.line)
				}
				if w.where != "" && !strings.HasSuffix(filepath.ToSlash(r.Where), w.where) {
					t.Errorf("%s: failed at %q, want ...%s", name, r.Where, w.where)
				}
				for _, s := range w.error {
					if !strings.Contains(r.Error, s) {
						t.Errorf("%s: error %q lacks %q", name, r.Error, s)
					}
				}
			}
		})
	}
}

func TestRunLoadFailures(t *testing.T) {
	tests := []struct {
		name   string
		src    string
		syntax bool
		line   int
		error  string
	}{
		{"syntax error", "local t = require('testing')\nt.test('x', function()\nend end)\n", true, 3, "syntax error"},
		{"runtime error", "local t = require('testing')\nlocal x = nil\nx.y = 1\n", false, 3, "attempt to index"},
		{"accessor outside a test", "local t = require('testing')\nt.metadata('sora', 'x')\n", false, 2, "t.metadata: only inside a test function"},
		{"run outside a test", "local t = require('testing')\nt.run('x.lua')\n", false, 2, "t.run: only inside a test function"},
		{"duplicate name", "local t = require('testing')\nt.test('a', function() end)\nt.test('a', function() end)\n", false, 3, `a test named "a" is already registered`},
		{"bad fixture id", "local t = require('testing')\nt.fixture({sora = {{connection_id = 'C 1'}}})\n", false, 2, `connection_id "C 1" must be 1 to 128 printable characters without spaces`},
		{"bad fixture key", "local t = require('testing')\nt.fixture({sora = {{id = 'x'}}})\n", false, 2, `unknown key "id"`},
		{"bad fixture role", "local t = require('testing')\nt.fixture({sora = {{role = 'boss'}}})\n", false, 2, `role "boss"`},
		{"missing fixture file", "local t = require('testing')\nt.fixture('nope.yaml')\n", false, 2, "nope.yaml"},
		{"bad label", "local t = require('testing')\nt.id('a-b')\n", false, 2, "letters and digits"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sum, c := runLua(t, map[string]string{"main_test.lua": tc.src}, Options{})
			want := Summary{Failed: 1}
			if tc.syntax {
				want.SyntaxErrors = 1
			}
			if sum != want {
				t.Errorf("summary = %+v, want %+v", sum, want)
			}
			if len(c.results) != 1 {
				t.Fatalf("results = %+v, want one", c.results)
			}
			r := c.results[0]
			if r.Name != LoadName || r.OK || r.Syntax != tc.syntax || r.Line != tc.line {
				t.Errorf("result = %+v, want a load failure at line %d (syntax %v)", r, tc.line, tc.syntax)
			}
			if !strings.Contains(r.Error, tc.error) {
				t.Errorf("error %q lacks %q", r.Error, tc.error)
			}
		})
	}
}

func TestRunTestInsideTest(t *testing.T) {
	src := lines(
		`local t = require("testing")`,
		`t.test("outer", function()`,
		`  t.test("inner", function() end)`,
		`end)`,
	)
	sum, c := runLua(t, map[string]string{"main_test.lua": src}, Options{})
	if sum.Failed != 1 || c.results[0].Line != 3 || !strings.Contains(c.results[0].Error, "register tests at the top level") {
		t.Errorf("summary %+v, results %+v", sum, c.results)
	}
}

func TestRunOutput(t *testing.T) {
	src := lines(
		`local t = require("testing")`,
		`local log = require("log")`,
		`t.test("logs", function()`,
		`  print("from print")`,
		`  log.info("from log", { n = 1 })`,
		`  t.run("noisy.lua")`,
		`  t.eq(1, 2)`,
		`end)`,
		`t.test("quiet", function() end)`,
	)
	_, c := runLua(t, map[string]string{
		"main_test.lua": src,
		"noisy.lua":     "require('log').warn('from script')\nerror('script failed')\n",
	}, Options{})
	r := c.byName(t, "logs")
	for _, want := range []string{"msg=\"from print\"", "msg=\"from log\" n=1", "msg=\"from script\"", "t.run failed", "script failed"} {
		if !strings.Contains(r.Output, want) {
			t.Errorf("output %q lacks %q", r.Output, want)
		}
	}
	if strings.Contains(r.Output, "time=") {
		t.Errorf("output %q has timestamps", r.Output)
	}
	if q := c.byName(t, "quiet"); q.Output != "" {
		t.Errorf("quiet test has output %q (the previous test's leaked?)", q.Output)
	}
}
