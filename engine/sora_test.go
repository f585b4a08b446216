package engine_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/soracron/soracron/emulator"
	"github.com/soracron/soracron/engine"
	"github.com/soracron/soracron/sora"
)

const (
	connA       = "0FQE5EA5YN3FS13P01QZ1JG8R0"
	connMissing = "1AAAAAAAAAAAAAAAAAAAAAAAAA"
)

// newClient returns a Sora client of url that does not retry.
func newClient(t *testing.T, url string) *sora.Client {
	t.Helper()
	c, err := sora.New(sora.Config{URL: url, Attempts: 1, Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.CloseIdleConnections)
	return c
}

// startEmulator serves an emulator with connection connA in channel "sora".
func startEmulator(t *testing.T) (*emulator.Emulator, *sora.Client) {
	t.Helper()
	emu := emulator.New(emulator.Options{Seed: 1})
	if _, err := emu.AddConnection(emulator.Connection{ChannelID: "sora", ConnectionID: connA,
		Metadata: map[string]any{"role": "viewer"}}); err != nil {
		t.Fatal(err)
	}
	srv, err := emulator.Start(emu, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return emu, newClient(t, srv.URL)
}

// TestBlockedRequest: a script waiting on a Sora request that never answers
// ends at its timeout (or cancellation), not when the request gives up.
func TestBlockedRequest(t *testing.T) {
	release := make(chan struct{})
	arrived := make(chan struct{}, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	e := engine.New(engine.Options{Client: newClient(t, srv.URL+"/")})

	tests := []struct {
		name, src string
		cancel    bool
		kind      engine.ErrorKind
		want      error
		line      int
	}{
		// The script goes on after sora.get returns nil, err and stops at
		// its next instruction.
		{"timeout returns nil err", `local sora = require("sora")
local md, err = sora.get("sora", "` + connA + `")
return "continued"`, false, engine.Timeout, context.DeadlineExceeded, 3},
		{"timeout in assert", `local sora = require("sora")
local md = assert(sora.get("sora", "` + connA + `"))`, false, engine.Timeout, context.DeadlineExceeded, 2},
		{"cancelled", `local sora = require("sora")
local md = assert(sora.get("sora", "` + connA + `"))`, true, engine.Cancelled, context.Canceled, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for len(arrived) > 0 { // requests of the previous cases
				<-arrived
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			req := engine.Request{Script: writeScript(t, tt.src), Timeout: 200 * time.Millisecond}
			if tt.cancel {
				req.Timeout = time.Minute
				go func() {
					<-arrived
					cancel()
				}()
			}
			type outcome struct {
				res *engine.Result
				err error
			}
			done := make(chan outcome, 1)
			go func() {
				res, err := e.Run(ctx, req)
				done <- outcome{res, err}
			}()
			var out outcome
			select {
			case out = <-done:
			case <-time.After(5 * time.Second):
				t.Fatal("run still blocked in the request")
			}
			se := scriptError(t, out.err)
			if se.Kind != tt.kind || !errors.Is(out.err, tt.want) {
				t.Fatalf("got %v (kind %v), want kind %v wrapping %v", out.err, se.Kind, tt.kind, tt.want)
			}
			if se.Line != tt.line {
				t.Errorf("line = %d, want %d", se.Line, tt.line)
			}
			if out.res == nil || out.res.Stats.Calls["get"] != 1 {
				t.Errorf("result %+v, want the get counted", out.res)
			}
		})
	}
}

func TestSoraModule(t *testing.T) {
	emu, client := startEmulator(t)
	e := engine.New(engine.Options{Client: client})
	t.Run("write and stats", func(t *testing.T) {
		script := writeScript(t, `local sora = require("sora")
local md = assert(sora.get("sora", args.conn))
local after = assert(sora.put_item("sora", args.conn, "score", 10))
return {before = md.role, after = after.score}`)
		res, err := e.Run(context.Background(), engine.Request{Script: script, Args: map[string]any{"conn": connA}})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]any{"before": "viewer", "after": json.Number("10")}
		if !reflect.DeepEqual(res.Value, want) {
			t.Errorf("value %v, want %v", res.Value, want)
		}
		if res.Stats.Calls["get"] != 1 || res.Stats.Calls["put_item"] != 1 || res.Stats.Writes != 1 || res.Plan != nil {
			t.Errorf("stats %+v plan %v", res.Stats, res.Plan)
		}
		md, _ := emu.Metadata("sora", connA)
		if got, _ := json.Marshal(md); string(got) != `{"role":"viewer","score":10}` {
			t.Errorf("emulator metadata %s", got)
		}
	})
	t.Run("dry run plans", func(t *testing.T) {
		script := writeScript(t, `local sora = require("sora")
assert(sora.put_item("sora", args.conn, "dry", true))
return sora.dry_run`)
		res, err := e.Run(context.Background(), engine.Request{Script: script, DryRun: true, Args: map[string]any{"conn": connA}})
		if err != nil {
			t.Fatal(err)
		}
		if res.Value != true || !res.Stats.DryRun || res.Plan == nil || len(res.Plan.Changes) != 1 {
			t.Errorf("value %v stats %+v plan %+v", res.Value, res.Stats, res.Plan)
		}
		if md, _ := emu.Metadata("sora", connA); md["dry"] != nil {
			t.Errorf("dry run wrote: %v", md)
		}
	})
	t.Run("failure is readable", func(t *testing.T) {
		script := writeScript(t, `local sora = require("sora")

local md = assert(sora.get("sora", args.conn))`)
		res, err := e.Run(context.Background(), engine.Request{Script: script, Args: map[string]any{"conn": connMissing}})
		se := scriptError(t, err)
		if se.Kind != engine.Runtime || se.Line != 3 || !strings.Contains(se.Message, "sora.get") ||
			strings.Contains(se.Message, "table: 0x") {
			t.Errorf("got %+v", se)
		}
		if res.Stats.Calls["get"] != 1 || res.Stats.Failures != 1 {
			t.Errorf("stats %+v", res.Stats)
		}
	})
	t.Run("raised error table", func(t *testing.T) {
		script := writeScript(t, `local sora = require("sora")
local md, err = sora.get("sora", args.conn)
error(err)`)
		_, err := e.Run(context.Background(), engine.Request{Script: script, Args: map[string]any{"conn": connMissing}})
		se := scriptError(t, err)
		if se.Kind != engine.Runtime || se.Line != 3 || !strings.HasPrefix(se.Message, "sora.get") {
			t.Errorf("got %+v", se)
		}
	})
}

// TestYieldInSoraCallbacks: a yield from inside the callback of
// update_all or update (Lua code a Go function calls) is a clean
// Lua error naming the function; the coroutine and the run go on.
func TestYieldInSoraCallbacks(t *testing.T) {
	_, client := startEmulator(t)
	e := engine.New(engine.Options{Client: client})
	tests := []struct{ name, call, want string }{
		{"update_all", `sora.update_all("sora", function(md) coroutine.yield(md) end)`, "function 'update_all'"},
		{"update", `sora.update("sora", args.conn, function(md) coroutine.yield(md) end)`, "function 'update'"},
		{"update_all then gsub", `sora.update_all("sora", function(md) ("x"):gsub("x", function() coroutine.yield() end) end)`, "function 'gsub'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			script := writeScript(t, `local sora = require("sora")
local co = coroutine.create(function()
  local ok, err = pcall(function() `+tt.call+` end)
  coroutine.yield(ok, tostring(err))
  return "done"
end)
local _, ok, err = coroutine.resume(co)
local _, last = coroutine.resume(co)
return {tostring(ok), err, last}`)
			res, err := e.Run(context.Background(), engine.Request{Script: script, Args: map[string]any{"conn": connA}, Timeout: 30 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			got, _ := res.Value.([]any)
			if len(got) != 3 || got[0] != "false" || !strings.Contains(got[1].(string), "attempt to yield across a C-call boundary") ||
				!strings.Contains(got[1].(string), tt.want) || got[2] != "done" {
				t.Errorf("got %v", res.Value)
			}
		})
	}
}
