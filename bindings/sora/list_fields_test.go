package sora

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/soracron/soracron/sora"
)

// TestListFields reads a channel with sora.list's fields option: each
// connection holds only the fields asked for, decoded as without the
// option, live and in a dry run (whose overlay shows in metadata).
func TestListFields(t *testing.T) {
	tests := []struct {
		name string
		dry  bool
		code string // returns what is compared with want; a, b are connA (metadata {"x":1}) and connB ({})
		want string
	}{
		{"connection_id only", false, `
local l = assert(sora.list("sora", {fields = {"connection_id"}}))
local ids = {}
for i, c in ipairs(l) do
  local n = 0
  for _ in pairs(c) do n = n + 1 end
  assert(n == 1, "connection " .. i .. " has " .. n .. " fields")
  ids[c.connection_id] = true
end
return #l, ids[args.a], ids[args.b], l[1].metadata`, "2 true true nil"},
		{"metadata the same as without fields", false, `
local full = assert(sora.list("sora"))
local l = assert(sora.list("sora", {fields = {"metadata", "connection_id"}}))
for i, c in ipairs(l) do
  check.eq(c.metadata, full[i].metadata, "metadata " .. i)
  check.eq(c.connection_id, full[i].connection_id, "id " .. i)
  assert(c.client_id == nil and c.bundle_id == nil)
end
return #l`, "2"},
		{"a field no connection has", false, `
local l = assert(sora.list("sora", {fields = {"nope"}}))
return #l, json.encode(l)`, "2 [{},{}]"},
		{"an empty channel", false, `
local l = assert(sora.list("empty", {fields = {"connection_id"}}))
return #l, json.encode(l)`, "0 []"},
		{"dry run, metadata without the id", true, `
assert(sora.put_item("sora", args.b, "k", "dry"))
local l = assert(sora.list("sora", {fields = {"metadata"}}))
local ks = {}
for _, c in ipairs(l) do ks[#ks + 1] = json.encode(c) end
table.sort(ks)
return table.concat(ks, " ")`, `{"metadata":{"k":"dry"}} {"metadata":{"x":1}}`},
		{"dry run, ids", true, `
assert(sora.put_item("sora", args.b, "k", "dry"))
local l = assert(sora.list("sora", {fields = {"connection_id"}}))
return #l, l[1].metadata`, "2 nil"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := startEmulator(t)
			env.add(t, connA, `{"x":1}`)
			env.add(t, connB, `{}`)
			s := New(env.client, Options{Logger: quietLogger, DryRun: tt.dry})
			L := newSoraState(t, context.Background(), s, argsJSON("a", connA, "b", connB))
			out, err := runSora(L, `local sora, json = require("sora"), require("json")
`+tt.code)
			if err != nil {
				t.Fatal(err)
			}
			if g := joinValues(out); g != tt.want {
				t.Errorf("got %q, want %q", g, tt.want)
			}
			if n, want := s.Stats().Calls["list"], strings.Count(tt.code, "sora.list("); n != want {
				t.Errorf("stats count %d lists, want %d", n, want)
			}
		})
	}
}

// TestListFieldsMisuse gives sora.list options it does not take: each is an
// argument error at the script's line naming what was meant.
func TestListFieldsMisuse(t *testing.T) {
	tests := []struct {
		name, opts, err string
	}{
		{"unknown option", `{field = {"connection_id"}}`, "unknown option field (allowed: fields)"},
		{"fields a string", `{fields = "connection_id"}`, "fields must be a non-empty list of field names (strings), got connection_id"},
		{"fields empty", `{fields = {}}`, "fields must be a non-empty list of field names"},
		{"fields not strings", `{fields = {1}}`, "fields must be a non-empty list of field names"},
		{"fields a map", `{fields = {id = "connection_id"}}`, "fields must be a non-empty list of field names"},
		{"fields with a hole", `{fields = {"a", nil, "b"}}`, "fields must be a non-empty list of field names"},
		{"options not a table", `"connection_id"`, "options table expected, got string"},
	}
	env := startEmulator(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New(env.client, Options{Logger: quietLogger})
			L := newSoraState(t, context.Background(), s, "")
			_, err := runSora(L, "local sora = require(\"sora\")\n\nreturn sora.list(\"sora\", "+tt.opts+")")
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Fatalf("error %v, want %q", err, tt.err)
			}
			if !strings.HasPrefix(err.Error(), "<string>:3: bad argument #2 to list") {
				t.Errorf("error %v, want an argument error at line 3", err)
			}
			if n := s.Stats().Calls["list"]; n != 0 {
				t.Errorf("%d lists sent, want none", n)
			}
		})
	}
}

// TestListFieldsBadReply serves List replies that are not what sora.list
// decodes: the members not asked for are still checked, and an error names
// the connection.
func TestListFieldsBadReply(t *testing.T) {
	tests := []struct {
		name, reply, want string
	}{
		{"bad JSON in a field not asked for", `[{"connection_id":"a","metadata":{"x":1}},{"connection_id":"b","metadata":{"x":tru}}]`, "list reply, connection 2: "},
		{"not an array", `{"connection_id":"a"}`, "not a JSON array"},
		{"an element not an object", `[{"connection_id":"a"},"b"]`, "ok 2 b"},
		{"null", `null`, "ok 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprint(w, tt.reply)
			}))
			t.Cleanup(srv.Close)
			s := New(newSoraClient(t, srv.URL+"/", sora.Config{Attempts: 1}), Options{Logger: quietLogger})
			L := newSoraState(t, context.Background(), s, "")
			out, err := runSora(L, `
local l, err = require("sora").list("sora", {fields = {"connection_id"}})
if not l then return tostring(err) end
return "ok " .. #l .. (l[2] and " " .. tostring(l[2]) or "")`)
			if err != nil {
				t.Fatal(err)
			}
			if got := out[0].String(); !strings.Contains(got, tt.want) {
				t.Errorf("got %q, want it to contain %q", got, tt.want)
			}
		})
	}
}
