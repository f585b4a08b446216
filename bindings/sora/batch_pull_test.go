package sora

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	lua "github.com/yuin/gopher-lua"

	"github.com/soracron/soracron/sora"
)

// TestBatchPull gives sora.batch a function that returns the next request:
// the requests are sent and written as a table of them would be, results
// in pull order, live and in a dry run; a misuse is named by the
// request's place.
func TestBatchPull(t *testing.T) {
	tests := []struct {
		name  string
		dry   bool
		code  string   // returns next_request; ids is args.ids (4 connections of channel "v")
		want  []string // each connection's metadata on the server after the batch (nil: not checked)
		after string   // the script's end, given results and sum
		out   string   // what it returns
		err   string
	}{
		{"put_item on every connection", false, `
local i = 0
return function()
  i = i + 1
  if args.ids[i] then return {action = "put_item", channel_id = "v", connection_id = args.ids[i], key = "k", value = i} end
end`, []string{`{"k":1}`, `{"k":2}`, `{"k":3}`, `{"k":4}`},
			`return sum.requests, sum.ok, sum.failed, results[1].value.k, results[4].value.k`, "4 4 0 1 4", ""},
		{"no requests", false, `return function() return nil end`,
			[]string{`{}`, `{}`, `{}`, `{}`}, `return sum.requests, sum.ok, #results`, "0 0 0", ""},
		{"a table changed between pulls", false, `
local i, md = 0, {n = 0}
return function()
  i = i + 1
  md.n = i
  if args.ids[i] then return {action = "put", channel_id = "v", connection_id = args.ids[i], metadata = md} end
end`, []string{`{"n":1}`, `{"n":2}`, `{"n":3}`, `{"n":4}`}, `return sum.ok`, "4", ""},
		{"one request table returned by every pull", false, `
local i = 0
local req = {action = "put_item", channel_id = "v", key = "k"}
return function()
  i = i + 1
  if not args.ids[i] then return nil end
  req.connection_id, req.value = args.ids[i], i % 2 == 0 and "even" or "odd"
  return req
end`, []string{`{"k":"odd"}`, `{"k":"even"}`, `{"k":"odd"}`, `{"k":"even"}`},
			`return sum.requests, sum.ok, results[2].value.k`, "4 4 even", ""},
		{"one request table and its value table changed by every pull", false, `
local i, v = 0, {n = 0}
local req = {action = "put_item", channel_id = "v", key = "k", value = v}
return function()
  i = i + 1
  if not args.ids[i] then return nil end
  req.connection_id, v.n = args.ids[i], i
  return req
end`, []string{`{"k":{"n":1}}`, `{"k":{"n":2}}`, `{"k":{"n":3}}`, `{"k":{"n":4}}`}, `return sum.ok`, "4", ""},
		{"one request table returned by every pull, dry run", true, `
local i = 0
local req = {action = "put_item", channel_id = "v", connection_id = args.ids[1], key = "k"}
return function()
  i = i + 1
  if i > 3 then return nil end
  if i == 3 then return {action = "get", channel_id = "v", connection_id = args.ids[1]} end
  req.value = "v" .. i
  return req
end`, []string{`{}`, `{}`, `{}`, `{}`}, `return sum.requests, sum.ok, results[3].value.k`, "3 3 v2", ""},
		{"a list and a failure among writes", false, `
local reqs = {
  {action = "put_item", channel_id = "v", connection_id = args.ids[1], key = "k", value = 1},
  {action = "list", channel_id = "v"},
  {action = "put_item", channel_id = "v", connection_id = "gone", key = "k", value = 1},
  {action = "delete_item", channel_id = "v", connection_id = args.ids[2], key = "none"},
}
local i = 0
return function() i = i + 1 return reqs[i] end`, []string{`{"k":1}`, `{}`, `{}`, `{}`},
			`return sum.requests, sum.ok, sum.failed, sum.gone, #results[2].value, results[3].err.type`, "4 3 0 1 4 connection_not_found", ""},
		{"requests of every kind, each after another kind (requests are reused)", false, `
local kinds = {
  function(id, i) return {action = "put_item", channel_id = "v", connection_id = id, key = "k", value = i, push = true} end,
  function(id, i) return {action = "call", target = "Sora_20201124.PutSignalingNotifyMetadataItem",
    params = {channel_id = "v", connection_id = id, key = "c" .. i, value = i}} end,
  function(id, i) return {action = "delete_item", channel_id = "v", connection_id = id, key = "none"} end,
  function(id, i) return {action = "list", channel_id = "v"} end,
}
local i = 0
return function()
  i = i + 1
  if i > 16 then return nil end
  return kinds[(i - 1) % 4 + 1](args.ids[math.floor((i - 1) / 4) + 1], i)
end`, []string{`{"c2":2,"k":1}`, `{"c6":6,"k":5}`, `{"c10":10,"k":9}`, `{"c14":14,"k":13}`},
			`return sum.requests, sum.ok, results[2].value.c2, #results[4].value`, "16 16 2 4", ""},
		{"dry run", true, `
local i = 0
return function()
  i = i + 1
  if i == 3 then return {action = "get", channel_id = "v", connection_id = args.ids[1]} end
  if i <= 2 then return {action = "put_item", channel_id = "v", connection_id = args.ids[1], key = "k", value = i} end
end`, []string{`{}`, `{}`, `{}`, `{}`}, `return sum.requests, sum.ok, results[3].value.k`, "3 3 2", ""},
		{"a return that is not a table", false, `
local i = 0
return function()
  i = i + 1
  if i == 3 then return 42 end
  return {action = "put_item", channel_id = "v", connection_id = args.ids[i], key = "k", value = i}
end`, nil, "", "", "requests[3] must be a table or nil, got number"},
		{"an error inside the function", false, `
local i = 0
return function()
  i = i + 1
  if i == 2 then error("no more ids") end
  return {action = "put_item", channel_id = "v", connection_id = args.ids[i], key = "k", value = i}
end`, nil, "", "", "requests[2]: next_request failed: "},
		{"a bad request", false, `
local i = 0
return function()
  i = i + 1
  return {action = "put_item", channel_id = "v", connection_id = args.ids[i], value = i}
end`, nil, "", "", "requests[1]: key missing"},
		{"a bad request in a dry run", true, `
local i = 0
return function()
  i = i + 1
  if i == 2 then return {action = "nope", channel_id = "v"} end
  if i < 4 then return {action = "put_item", channel_id = "v", connection_id = args.ids[i], key = "k", value = i} end
end`, []string{`{}`, `{}`, `{}`, `{}`}, "", "", `requests[2]: unknown action "nope"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := startEmulator(t)
			ids := env.emu.Generate("v", 4)
			s := New(env.client, Options{Logger: quietLogger, DryRun: tt.dry, Concurrency: 2})
			L := newSoraState(t, context.Background(), s, argsJSON("ids", ids))
			code := `
local next_request = (function() ` + tt.code + ` end)()
local results, sum = require("sora").batch(next_request)
` + tt.after
			line := strings.Count(code[:strings.Index(code, "batch(next_request)")], "\n") + 1
			out, err := runSora(L, code)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want %q", err, tt.err)
				}
				if !strings.Contains(err.Error(), "bad argument #1 to batch") || !strings.HasPrefix(err.Error(), fmt.Sprintf("<string>:%d:", line)) {
					t.Errorf("error %v, want an argument error at the script's line", err)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if g := joinValues(out); tt.err == "" && g != tt.out {
				t.Errorf("got %q, want %q", g, tt.out)
			}
			for i, id := range ids {
				if tt.want == nil {
					break
				}
				if got := env.metadata(t, "v", id); got != tt.want[i] {
					t.Errorf("connection %d: %s, want %s", i+1, got, tt.want[i])
				}
			}
		})
	}
}

// TestBatchPullAhead shows that sora.batch pulls requests from its function
// as the pool has room for them: at any pull, the requests pulled but not
// yet arrived at the server are at most those the pool queues and sends
// (2 x concurrency, and the one waiting), where a table of requests holds
// them all from the start.
func TestBatchPullAhead(t *testing.T) {
	tests := []struct {
		name string
		conc int
		n    int
	}{
		{"concurrency 1", 1, 50},
		{"concurrency 4", 4, 200},
		{"concurrency 16", 16, 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var arrived atomic.Int64
			env := startSlowEmulator(t, func(r *http.Request) {
				if r.Header.Get("x-sora-target") == sora.TargetPutItem {
					arrived.Add(1)
				}
			})
			ids := env.emu.Generate("p", tt.n)
			s := New(env.client, Options{Logger: quietLogger})
			L := newSoraState(t, context.Background(), s, argsJSON("ids", ids, "conc", tt.conc))
			L.SetGlobal("arrived", L.NewFunction(func(L *lua.LState) int {
				L.Push(lua.LNumber(arrived.Load()))
				return 1
			}))
			out, err := runSora(L, `
local i, ahead = 0, 0
local results, sum = require("sora").batch(function()
  ahead = math.max(ahead, i - arrived())
  i = i + 1
  if args.ids[i] then return {action = "put_item", channel_id = "p", connection_id = args.ids[i], key = "k", value = i} end
end, {concurrency = args.conc})
return sum.ok, ahead`)
			if err != nil {
				t.Fatal(err)
			}
			if ok := int(out[0].(lua.LNumber)); ok != tt.n {
				t.Fatalf("%d requests ok, want %d", ok, tt.n)
			}
			if ahead, limit := int(out[1].(lua.LNumber)), 2*tt.conc+1; ahead > limit {
				t.Errorf("%d requests pulled ahead of the server, want at most %d", ahead, limit)
			}
			for i, id := range ids {
				if got, want := env.metadata(t, "p", id), fmt.Sprintf(`{"k":%d}`, i+1); got != want {
					t.Errorf("connection %d: %s, want %s", i+1, got, want)
				}
			}
		})
	}
}
