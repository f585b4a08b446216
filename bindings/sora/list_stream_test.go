package sora

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"

	luajson "github.com/soracron/soracron/bindings/json"
	"github.com/soracron/soracron/emulator"
	"github.com/soracron/soracron/sora"
)

// listPaths are the ways a script reads a List: each code returns the
// list (or nil, err) of channel "big" and, in a dry run, first writes key
// "k" of connection args.id, which the list must show.
var listPaths = []struct {
	name string
	dry  bool
	code string
}{
	{"sora.list", false, `return require("sora").list("big")`},
	{"sora.list in a dry run", true, `
local sora = require("sora")
assert(sora.put_item("big", args.id, "k", "dry"))
return sora.list("big")`},
	{"sora.batch", false, `
local res = require("sora").batch({{action = "list", channel_id = "big"}})
return res[1].value, res[1].err`},
	{"sora.batch, call of List", false, `
local res = require("sora").batch({{action = "call", target = "ListSignalingNotifyMetadata", params = {channel_id = "big"}}})
return res[1].value, res[1].err`},
	{"sora.batch in a dry run", true, `
local res = require("sora").batch({
  {action = "put_item", channel_id = "big", connection_id = args.id, key = "k", value = "dry"},
  {action = "list", channel_id = "big"},
})
assert(res[1].ok, res[1].err)
return res[2].value, res[2].err`},
}

// runListPath runs the code of a list path with module s and returns the
// list (nil when it failed) and the error's text.
func runListPath(t *testing.T, s *Module, code, id string) (*lua.LTable, string) {
	t.Helper()
	L := newSoraState(t, context.Background(), s, argsJSON("id", id))
	out, err := runSora(L, code)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) > 1 && out[1] != lua.LNil {
		return nil, L.ToStringMeta(out[1]).String()
	}
	list, ok := out[0].(*lua.LTable)
	if !ok {
		t.Fatalf("list is %s, want a table", out[0].Type())
	}
	return list, ""
}

// checkList checks that list holds the connections ids, each with empty
// metadata but, when dry (the list path wrote it in a dry run), the first,
// whose metadata is {"k":"dry"}.
func checkList(t *testing.T, list *lua.LTable, ids []string, dry bool) {
	t.Helper()
	dryID := ""
	if dry {
		dryID = ids[0]
	}
	if got := list.Len(); got != len(ids) {
		t.Fatalf("list of %d connections, want %d", got, len(ids))
	}
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	for i := 1; i <= list.Len(); i++ {
		c := list.RawGetInt(i).(*lua.LTable)
		luajson.Fill(c) // a live List's connections are lazy tables
		id := lua.LVAsString(c.RawGetString("connection_id"))
		if !want[id] {
			t.Fatalf("connection %d: id %q not in the channel, or twice", i, id)
		}
		delete(want, id)
		md := c.RawGetString("metadata").(*lua.LTable)
		wantK := lua.LValue(lua.LNil)
		if id == dryID {
			wantK = lua.LString("dry")
		}
		if got := md.RawGetString("k"); got != wantK {
			t.Errorf("connection %s: metadata.k = %v, want %v", id, got, wantK)
		}
	}
}

// TestListReplyLarge reads a List reply of 30,000 connections (about
// 4 MB) every way a script can: every connection is there, with the
// dry run's write applied; with the client's reply cap below the reply's
// size, each way fails with the message that names the setting.
func TestListReplyLarge(t *testing.T) {
	const n = 30000
	env := startEmulator(t)
	ids := env.emu.Generate("big", n)
	capped := newSoraClient(t, env.url, sora.Config{MaxResponseBytes: 1 << 20})
	for _, p := range listPaths {
		t.Run(p.name, func(t *testing.T) {
			t.Run("decoded", func(t *testing.T) {
				s := New(env.client, Options{DryRun: p.dry, Logger: quietLogger})
				list, err := runListPath(t, s, p.code, ids[0])
				if err != "" {
					t.Fatal(err)
				}
				checkList(t, list, ids, p.dry)
			})
			t.Run("over the cap", func(t *testing.T) {
				s := New(capped, Options{DryRun: p.dry, Logger: quietLogger})
				_, err := runListPath(t, s, p.code, ids[0])
				want := "Sora_20201124.ListSignalingNotifyMetadata: reply too large: over 1048576 bytes (raise --max-reply-size or sora.max_reply_size)"
				if !strings.Contains(err, want) {
					t.Errorf("error %q, want it to contain %q", err, want)
				}
			})
		})
	}
}

// TestListReplyStreamed serves List replies that arrive in pieces, the
// whole taking longer than the client's timeout but no wait between two
// pieces coming near it: a reply read whole within the timeout would fail,
// one decoded as it arrives (the timeout then bounds each wait) succeeds.
func TestListReplyStreamed(t *testing.T) {
	const (
		timeout = 2 * time.Second
		pieces  = 6
		gap     = 600 * time.Millisecond // pieces*gap is well over timeout
	)
	e := emulator.New(emulator.Options{Seed: 1})
	ids := e.Generate("big", 2000)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Sora-Target") != sora.TargetList {
			e.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, r)
		body := rec.Body.Bytes()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(rec.Code)
		step := len(body)/pieces + 1
		for len(body) > 0 {
			k := min(step, len(body))
			if _, err := w.Write(body[:k]); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			body = body[k:]
			if len(body) > 0 {
				select {
				case <-time.After(gap):
				case <-r.Context().Done():
					return
				}
			}
		}
	}))
	t.Cleanup(srv.Close)
	c := newSoraClient(t, srv.URL+"/", sora.Config{Timeout: timeout, Attempts: 1})
	for _, p := range listPaths {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			s := New(c, Options{DryRun: p.dry, Logger: quietLogger})
			list, err := runListPath(t, s, p.code, ids[0])
			if err != "" {
				t.Fatal(err)
			}
			checkList(t, list, ids, p.dry)
		})
	}
}
