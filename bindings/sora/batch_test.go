package sora

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/soracron/soracron/sora"
)

// TestCancelStopsPromptly cancels a run while a batch (or update_all) has
// requests in flight on a server that never answers writes: the call
// returns, nothing more is dispatched, and the run ends with the context's
// error.
func TestCancelStopsPromptly(t *testing.T) {
	tests := []struct {
		name string
		code string
	}{
		{"batch", `
local reqs = {}
for i = 1, 100 do
  reqs[i] = {action = "put_item", channel_id = "big", connection_id = args.ids[i], key = "k", value = i}
end
require("sora").batch(reqs, {concurrency = 4})`},
		{"update_all", `
require("sora").update_all("big", function(md) md.k = 1 return md end, {concurrency = 4})`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hits atomic.Int32
			arrived := make(chan struct{}, 1000)
			release := make(chan struct{})
			env := startSlowEmulator(t, func(r *http.Request) {
				if r.Header.Get("x-sora-target") == sora.TargetList {
					return
				}
				hits.Add(1)
				arrived <- struct{}{}
				select {
				case <-release:
				case <-r.Context().Done():
				}
			})
			t.Cleanup(func() { close(release) })
			ids := env.emu.Generate("big", 100)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			go func() {
				for range 4 {
					<-arrived
				}
				cancel()
			}()
			s := New(env.client, Options{Logger: quietLogger})
			L := newSoraState(t, ctx, s, argsJSON("ids", ids))
			done := make(chan error, 1)
			go func() {
				_, err := runSora(L, tt.code)
				done <- err
			}()
			select {
			case err := <-done:
				if err == nil || !strings.Contains(err.Error(), "context canceled") {
					t.Errorf("run error = %v, want context canceled", err)
				}
			case <-time.After(30 * time.Second):
				t.Fatal("the call did not return after the context was cancelled")
			}
			if n := hits.Load(); n != 4 {
				t.Errorf("%d writes reached the server, want the 4 in flight only", n)
			}
			// The server may still apply the 4 requests in flight (it does
			// not know their client went away); nothing else is written.
			written := 0
			for _, id := range ids {
				if env.metadata(t, "big", id) != "{}" {
					written++
				}
			}
			if written > 4 {
				t.Errorf("%d connections written, want at most the 4 in flight", written)
			}
			if st := s.Stats(); st.Calls["put_item"] != 4 || st.Failures != 4 || st.Writes != 0 {
				t.Errorf("stats = %+v, want 4 failed put_item", st)
			}
		})
	}
}

// TestBatchProgress shows a progress bar for more than 200 requests only.
func TestBatchProgress(t *testing.T) {
	tests := []struct {
		name string
		n    int
		want bool
	}{
		{"200 requests", 200, false},
		{"201 requests", 201, true},
		{"1000 requests", 1000, true},
	}
	env := startEmulator(t)
	ids := env.emu.Generate("big", 1000)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out strings.Builder
			s := New(env.client, Options{Logger: quietLogger, Progress: &out})
			L := newSoraState(t, context.Background(), s, argsJSON("ids", ids[:tt.n]))
			res, err := runSora(L, `
local reqs = {}
for i, id in ipairs(args.ids) do
  reqs[i] = {action = "put_item", channel_id = "big", connection_id = id, key = "n", value = i}
end
local results, sum = require("sora").batch(reqs)
return sum.ok, results[#results].value.n`)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := fmt.Sprint(res[0], res[1]), fmt.Sprint(tt.n, tt.n); got != want {
				t.Errorf("ok, last = %s, want %s", got, want)
			}
			if got := out.String(); tt.want != strings.Contains(got, fmt.Sprintf("/%d", tt.n)) {
				t.Errorf("progress output %q, want a bar: %v", got, tt.want)
			} else if tt.want && !strings.HasSuffix(got, "\r") {
				t.Errorf("progress output %q does not end cleared", got)
			}
		})
	}
}

// TestBatchValues sends batches whose requests share values, or alternate
// them (a batch encodes a value once while it repeats): every connection
// holds what its own request wrote, and a bad request is named by its
// place whichever it is.
func TestBatchValues(t *testing.T) {
	tests := []struct {
		name string
		code string // ids is args.ids (4 connections of channel "v")
		want []string
		err  string
	}{
		{"same string", `
local reqs = {}
for i, id in ipairs(args.ids) do reqs[i] = {action = "put_item", channel_id = "v", connection_id = id, key = "k", value = "same"} end
return reqs`, []string{`{"k":"same"}`, `{"k":"same"}`, `{"k":"same"}`, `{"k":"same"}`}, ""},
		{"same table, then changed for the next batch", `
local t = {a = {1, 2}}
local reqs = {}
for i, id in ipairs(args.ids) do reqs[i] = {action = "put", channel_id = "v", connection_id = id, metadata = t} end
assert(require("sora").batch(reqs))
t.a = "changed"
reqs[4] = {action = "put", channel_id = "v", connection_id = args.ids[4], metadata = t}
return {reqs[4]}`, []string{`{"a":[1,2]}`, `{"a":[1,2]}`, `{"a":[1,2]}`, `{"a":"changed"}`}, ""},
		{"alternating", `
local vals = {"x", "y", "x", 0}
local reqs = {}
for i, id in ipairs(args.ids) do reqs[i] = {action = "put_item", channel_id = "v", connection_id = id, key = "k", value = vals[i]} end
return reqs`, []string{`{"k":"x"}`, `{"k":"y"}`, `{"k":"x"}`, `{"k":0}`}, ""},
		{"same string as a value, then as metadata", `
return {
  {action = "put_item", channel_id = "v", connection_id = args.ids[1], key = "k", value = "x"},
  {action = "put", channel_id = "v", connection_id = args.ids[2], metadata = "x"},
}`, []string{`{}`, `{}`, `{}`, `{}`}, "requests[2]: metadata must be a table, got string"},
		{"same array as a value, then as metadata", `
local t = {1, 2}
return {
  {action = "put_item", channel_id = "v", connection_id = args.ids[1], key = "k", value = t},
  {action = "put", channel_id = "v", connection_id = args.ids[2], metadata = t},
}`, []string{`{}`, `{}`, `{}`, `{}`}, "requests[2]: metadata must be an object"},
		{"same table as metadata, then as a value", `
local t = {a = 1}
return {
  {action = "put", channel_id = "v", connection_id = args.ids[1], metadata = t},
  {action = "put_item", channel_id = "v", connection_id = args.ids[2], key = "k", value = t},
}`, []string{`{"a":1}`, `{"k":{"a":1}}`, `{}`, `{}`}, ""},
		{"bad third request", `
return {
  {action = "put_item", channel_id = "v", connection_id = args.ids[1], key = "k", value = 1},
  {action = "put_item", channel_id = "v", connection_id = args.ids[2], key = "k", value = 1},
  {action = "put_item", channel_id = "v", connection_id = args.ids[3], key = "k\255", value = 1},
}`, []string{`{}`, `{}`, `{}`, `{}`}, "requests[3]: key is not valid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := startEmulator(t)
			ids := env.emu.Generate("v", 4)
			s := New(env.client, Options{Logger: quietLogger})
			L := newSoraState(t, context.Background(), s, argsJSON("ids", ids))
			_, err := runSora(L, `
local reqs = (function() `+tt.code+` end)()
local results, sum = require("sora").batch(reqs)
assert(sum.ok == #reqs, "not all ok")`)
			if tt.err == "" && err != nil {
				t.Fatal(err)
			}
			if tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)) {
				t.Fatalf("error %v, want %q", err, tt.err)
			}
			for i, id := range ids {
				if got := env.metadata(t, "v", id); got != tt.want[i] {
					t.Errorf("connection %d: %s, want %s", i+1, got, tt.want[i])
				}
			}
		})
	}
}

// TestBatchResultsLazy reads the results of a batch every way a script
// can: a successful one is filled in when first used, and reads the same
// as one built at once; a failure is a plain table from the start.
func TestBatchResultsLazy(t *testing.T) {
	tests := []struct {
		name string
		code string // results, sum: of put_item k = 1 to A, to a connection gone, to B
		want string
	}{
		{"fields", `return results[1].ok, results[1].value.k, results[3].ok`, "true 1 true"},
		{"encoded untouched", `return json.encode({results[1], results[3]})`, `[{"ok":true,"value":{"k":1}},{"ok":true,"value":{"k":1,"x":1}}]`},
		{"raw access before use", `return rawget(results[1], "ok"), rawget(results[2], "ok"), results[1].ok, rawget(results[1], "ok"), results[1].value.k, rawget(results[1], "ok")`, "nil false true nil 1 true"},
		{"assigned before use", `results[1].note = "n"; return results[1].note, results[1].ok, results[1].value.k`, "n true 1"},
		{"summary", `return sum.requests, sum.ok, sum.failed, sum.gone`, "3 2 0 1"},
		{"handled", `return require("sora").handled(results)`, "0"},
		{"each result a table of its own", `return results[1] ~= results[3], results[1].value ~= results[3].value`, "true true"},
		{"ok read without filling", `local ok = results[1].ok; return ok, getmetatable(results[1]), rawget(results[1], "ok"), results[1].none, getmetatable(results[1]), results[1].value.k, rawget(results[1], "ok")`, "true lazy nil nil lazy 1 true"},
		{"read backwards", `return results[3].value.x, results[1].value.k, results[3].ok`, "1 1 true"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, L := startTwoConns(t, argsJSON("a", connA, "b", connB, "missing", connMissing))
			out, err := runSora(L, `
local json = require("json")
local results, sum = require("sora").batch({
  {action = "put_item", channel_id = "sora", connection_id = args.a, key = "k", value = 1},
  {action = "put_item", channel_id = "sora", connection_id = args.missing, key = "k", value = 1},
  {action = "put_item", channel_id = "sora", connection_id = args.b, key = "k", value = 1},
})
`+tt.code)
			if err != nil {
				t.Fatal(err)
			}
			if s := joinValues(out); s != tt.want {
				t.Errorf("got %q, want %q", s, tt.want)
			}
		})
	}
}

// TestBatchResultsAnyOrder: the lazy results of a batch whose replies come
// back out of order are each found, whatever order the script reads them
// in: each value is the reply to its own request.
func TestBatchResultsAnyOrder(t *testing.T) {
	orders := []struct{ name, code string }{
		{"in order", `for i = 1, n do order[#order + 1] = i end`},
		{"backwards", `for i = n, 1, -1 do order[#order + 1] = i end`},
		{"odd then even", `for i = 1, n, 2 do order[#order + 1] = i end; for i = 2, n, 2 do order[#order + 1] = i end`},
		{"each twice", `for i = 1, n do order[#order + 1] = i; order[#order + 1] = i end`},
	}
	for _, form := range []string{"table", "pulled"} {
		for _, o := range orders {
			t.Run(form+"/"+o.name, func(t *testing.T) {
				_, L := startTwoConns(t, argsJSON("a", connA, "b", connB, "form", form))
				out, err := runSora(L, `
local sora = require("sora")
local n, reqs = 60, {}
for i = 1, n do
  -- each request writes its own number under its own key, so that its
  -- reply (the connection's metadata) names it
  reqs[i] = {action = "put_item", channel_id = "sora", connection_id = (i % 2 == 0) and args.a or args.b, key = "n" .. i, value = i}
end
local results, sum
if args.form == "pulled" then
  local i = 0
  results, sum = sora.batch(function() i = i + 1; return reqs[i] end, {concurrency = 16})
else
  results, sum = sora.batch(reqs, {concurrency = 16})
end
local order = {}
`+o.code+`
for _, i in ipairs(order) do
  local r = results[i]
  if not r.ok or r.value["n" .. i] ~= i then
    error(string.format("results[%d]: ok %s, n%d = %s", i, tostring(r.ok), i, tostring(r.value["n" .. i])))
  end
end
return sum.ok, #order`)
				if err != nil {
					t.Fatal(err)
				}
				if got := joinValues(out); !strings.HasPrefix(got, "60 ") {
					t.Errorf("got %q, want 60 ok", got)
				}
			})
		}
	}
}
