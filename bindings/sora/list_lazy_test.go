package sora

import (
	"bytes"
	"context"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestListLazy: a live List's connections are lazy tables (see
// luajson.Objects) and read as the decoded ones would, through every path
// that gives a script a List: sora.list, with and without fields, a batch's
// list and a batch's call of List.
func TestListLazy(t *testing.T) {
	env := startEmulator(t)
	env.add(t, connA, `{"x":1,"nested":{"deep":[1,2]}}`)
	env.add(t, connB, `{}`)
	lists := []struct{ name, code string }{
		{"sora.list", `assert(sora.list("sora"))`},
		{"sora.list with fields", `assert(sora.list("sora", {fields = {"connection_id", "metadata"}}))`},
		{"batch list", `sora.batch({{action = "list", channel_id = "sora"}})[1].value`},
		{"batch call of List", `sora.batch({{action = "call", target = "ListSignalingNotifyMetadata", params = {channel_id = "sora"}}})[1].value`},
	}
	checks := []struct{ name, code, want string }{
		{"ids read without filling", `
local ids = {}
for _, c in ipairs(l) do ids[c.connection_id] = getmetatable(c) end
return ids[args.a], ids[args.b]`, "lazy lazy"},
		{"raw functions see an unfilled table empty", `
return rawget(l[1], "connection_id"), next(l[1]), (pcall(setmetatable, l[1], {}))`, "nil nil false"},
		{"metadata fills once", `
local byid = {}
for _, c in ipairs(l) do byid[c.connection_id] = c end
local a = byid[args.a]
local md = a.metadata
md.y = 2
return a.metadata == md, a.metadata.y, a.metadata.nested.deep[2], rawget(a, "connection_id") == args.a, json.is_object(a)`, "true 2 2 true true"},
		{"pairs fills", `
local n = 0
for k, v in pairs(l[1]) do n = n + 1 end
return n >= 2, rawget(l[1], "metadata") ~= nil`, "true true"},
		{"json.encode fills every one", `
local s = json.encode(l)
for _, c in ipairs(l) do assert(rawget(c, "connection_id")) end
return #json.decode(s)`, "2"},
		{"assigning fills", `
l[1].mark = true
return l[1].mark, rawget(l[1], "connection_id") ~= nil`, "true true"},
	}
	for _, lt := range lists {
		t.Run(lt.name, func(t *testing.T) {
			for _, c := range checks {
				t.Run(c.name, func(t *testing.T) {
					s := New(env.client, Options{Logger: quietLogger})
					L := newSoraState(t, context.Background(), s, argsJSON("a", connA, "b", connB))
					wantResults(t, L, `local sora, json = require("sora"), require("json")
local l = `+lt.code+"\n"+c.code, c.want)
				})
			}
		})
	}
}

// TestLazyTableAsRequest: a lazy table given where sora.batch reads a
// request is read with its fields, not as an empty table.
func TestLazyTableAsRequest(t *testing.T) {
	env := startEmulator(t)
	env.add(t, connA, `{}`)
	s := New(env.client, Options{Logger: quietLogger})
	L := newSoraState(t, context.Background(), s, "")
	_, err := runSora(L, `local sora = require("sora")
local l = assert(sora.list("sora"))
sora.batch({l[1]})`)
	if err == nil || !strings.Contains(err.Error(), "requests[1]: unknown field") {
		t.Fatalf("got %v, want the request's fields named", err)
	}
}

// TestListLazyDryRun: in a dry run, a List's connections are lazy too, and
// those the run wrote show the overlay's metadata; update_all reads them
// (ids and metadata) and names the ones it did not reach.
func TestListLazyDryRun(t *testing.T) {
	tests := []struct{ name, code, want string }{
		{"sora.list", `
assert(sora.put_item("sora", args.a, "k", "dry"))
local byid = {}
for _, c in ipairs(assert(sora.list("sora"))) do byid[c.connection_id] = c end
local b = getmetatable(byid[args.b])
return byid[args.a].metadata.k, byid[args.a].metadata.x, b, byid[args.b].metadata.x`, "dry 1 lazy 2"},
		{"batch list", `
assert(sora.put_item("sora", args.b, "k", "dry"))
local l = sora.batch({{action = "list", channel_id = "sora"}})[1].value
local byid = {}
for _, c in ipairs(l) do byid[c.connection_id] = c end
return getmetatable(byid[args.a]), byid[args.b].metadata.k`, "lazy dry"},
		{"sora.list with fields, the id and metadata", `
assert(sora.put_item("sora", args.a, "k", "dry"))
local byid = {}
for _, c in ipairs(assert(sora.list("sora", {fields = {"connection_id", "metadata"}}))) do byid[c.connection_id] = c end
local b = getmetatable(byid[args.b])
return byid[args.a].metadata.k, byid[args.a].metadata.x, b, byid[args.b].metadata.x, byid[args.b].client_id`, "dry 1 lazy 2 nil"},
		{"sora.list with fields, the ids only", `
assert(sora.put_item("sora", args.a, "k", "dry"))
local l = assert(sora.list("sora", {fields = {"connection_id"}}))
return #l, getmetatable(l[1]), getmetatable(l[2]), l[1].metadata`, "2 lazy lazy nil"},
		{"update_all", `
local s = assert(sora.update_all("sora", function(md, c)
  assert(type(c.connection_id) == "string")
  md.seen = c.connection_id
  return md
end))
local byid = {}
for _, c in ipairs(assert(sora.list("sora"))) do byid[c.connection_id] = c end
return s.writes, byid[args.a].metadata.seen == args.a, byid[args.b].metadata.seen == args.b`, "2 true true"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := startEmulator(t)
			env.add(t, connA, `{"x":1}`)
			env.add(t, connB, `{"x":2}`)
			s := New(env.client, Options{Logger: quietLogger, DryRun: true})
			L := newSoraState(t, context.Background(), s, argsJSON("a", connA, "b", connB))
			wantResults(t, L, `local sora = require("sora")
`+tt.code, tt.want)
		})
	}
}

// TestUpdateAllDryRunNotReached: a dry run's update_all stopped by its
// callback names the connections it did not reach, whose tables it never
// filled (their ids are read from the text).
func TestUpdateAllDryRunNotReached(t *testing.T) {
	env := startEmulator(t)
	ids := env.emu.Generate("g", 3)
	var logs bytes.Buffer
	s := New(env.client, Options{Logger: slog.New(slog.NewTextHandler(&logs, nil)), DryRun: true})
	L := newSoraState(t, context.Background(), s, "")
	_, err := runSora(L, `local n = 0
require("sora").update_all("g", function(md, c)
  n = n + 1
  if n == 2 then error("stop here") end
  md.k = 1
  return md
end)`)
	if err == nil || !strings.Contains(err.Error(), "stop here") {
		t.Fatalf("got %v, want the callback's error", err)
	}
	// The connection whose callback raised and the one after it.
	m := regexp.MustCompile(`not_reached_ids=(\S*)`).FindStringSubmatch(logs.String())
	if m == nil {
		t.Fatalf("no not_reached_ids in the log:\n%s", logs.String())
	}
	got := strings.Split(m[1], ",")
	if len(got) != 2 || !slices.Contains(ids, got[0]) || !slices.Contains(ids, got[1]) || got[0] == got[1] {
		t.Fatalf("not_reached_ids %q, want 2 of %q; log:\n%s", got, ids, logs.String())
	}
}
