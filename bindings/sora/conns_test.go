package sora

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/soracron/soracron/sora"
)

// TestUpdateAllListReply checks update_all on List replies that are not
// plain: each connection is decoded when the callback gets to it, so a
// bad one stops the run there, naming it; big numbers stay exact; null is
// an empty channel; a reply that is not an array is an error.
func TestUpdateAllListReply(t *testing.T) {
	tests := []struct {
		name, reply, script, want, err string
	}{
		{name: "bad connection", reply: `[{"connection_id":"A","metadata":{}},{"connection_id":"B","metadata":{"x":tru}}]`,
			script: `local seen = {}
				local ok, err = pcall(sora.update_all, "sora", function(md, c) seen[#seen+1] = c.connection_id; return false end)
				return table.concat(seen, ",") .. " " .. tostring(err)`,
			want: "A <string>:3: sora.update_all: list reply, connection 2: invalid JSON at offset 41"},
		{name: "big numbers stay exact", reply: `[{"connection_id":"A","metadata":{"n":9007199254740993}}]`,
			script: `local got
				local s = sora.update_all("sora", function(md) got = tostring(md.n); return false end)
				return got .. " " .. s.unchanged`,
			want: "9007199254740993 1"},
		{name: "null is an empty channel", reply: `null`,
			script: `local s = sora.update_all("sora", function() error("called") end)
				return s.connections .. " " .. s.unchanged`,
			want: "0 0"},
		{name: "not an array", reply: `{"connection_id":"A"}`,
			script: `local s, err = sora.update_all("sora", function() error("called") end)
				return tostring(s) .. " " .. err.type .. " " .. err.message`,
			want: "nil decode decode reply: not a JSON array"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				_, _ = io.WriteString(w, tt.reply)
			}))
			t.Cleanup(srv.Close)
			s := New(newSoraClient(t, srv.URL+"/", sora.Config{Attempts: 1}), Options{Logger: quietLogger})
			L := newSoraState(t, context.Background(), s, "")
			if err := L.DoString(`sora = require("sora")
				result = (function() ` + tt.script + ` end)()`); err != nil {
				t.Fatal(err)
			}
			if got := L.GetGlobal("result").String(); !strings.Contains(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestUpdateAllMetadataOnly checks that a callback of md alone, for which
// only each connection's id and metadata are decoded, writes exactly what
// a callback of (md, c) writes, and fails the same way, on List replies
// with odd connections: ids that are numbers or escaped, duplicate keys,
// no or null metadata, connections that are arrays or strings, and too
// deep nesting in a member neither callback reads.
func TestUpdateAllMetadataOnly(t *testing.T) {
	deep := strings.Repeat("[", 1001) + strings.Repeat("]", 1001)
	tests := []struct {
		name, reply string
	}{
		{"plain", `[{"client_id":"c","bundle_id":"b","connection_id":"A","metadata":{"x":1}},{"connection_id":"B","metadata":{}}]`},
		{"odd ids", `[{"connection_id":12},{"connection_id":"A\u0042\n"},{"metadata":{"y":[1,{"z":null}]}}]`},
		{"duplicate keys", `[{"connection_id":"A","metadata":{"x":1},"connection_id":"B","metadata":{"y":2}}]`},
		{"null or not an object", `[{"connection_id":"A","metadata":null},{"connection_id":"B","metadata":[1]},{"connection_id":"C","metadata":"s"}]`},
		{"not objects", ` [ [1,2] , "s" , 3 , null , { "connection_id" : "D" , "x" : [ {} , [] , "\"]" ] } ] `},
		{"bad connection", `[{"connection_id":"A","metadata":{}},{"connection_id":"B","metadata":{"x":tru}}]`},
		{"too deep in another member", `[{"connection_id":"A"},{"connection_id":"B","client_id":` + deep + `}]`},
		{"too deep in the metadata", `[{"connection_id":"A","metadata":{"x":` + deep + `}}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			var writes []string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Header.Get("X-Sora-Target") == sora.TargetList {
					_, _ = io.WriteString(w, tt.reply)
					return
				}
				body, _ := io.ReadAll(r.Body)
				mu.Lock()
				writes = append(writes, r.Header.Get("X-Sora-Target")+" "+string(body))
				mu.Unlock()
				_, _ = io.WriteString(w, `{}`)
			}))
			t.Cleanup(srv.Close)
			run := func(fn string) (string, []string) {
				mu.Lock()
				writes = nil
				mu.Unlock()
				s := New(newSoraClient(t, srv.URL+"/", sora.Config{Attempts: 1}), Options{Logger: quietLogger})
				L := newSoraState(t, context.Background(), s, "")
				err := L.DoString(`local sora = require("sora")
					local s = sora.update_all("sora", ` + fn + `, {concurrency = 1})
					result = s.connections .. " " .. s.changed .. " " .. s.unchanged .. " " .. table.concat(s.written, ",")`)
				if err != nil {
					// The writes in flight when the error stopped the
					// run may or may not have been sent.
					return err.Error(), nil
				}
				mu.Lock()
				defer mu.Unlock()
				slices.Sort(writes)
				return L.GetGlobal("result").String(), writes
			}
			gotC, writesC := run(`function(md, c) md.k = (md.k or 0) + 1 end`)
			gotMD, writesMD := run(`function(md) md.k = (md.k or 0) + 1 end`)
			if gotC != gotMD || !slices.Equal(writesC, writesMD) {
				t.Errorf("function(md, c): %s, writes %q\nfunction(md): %s, writes %q", gotC, writesC, gotMD, writesMD)
			}
		})
	}
}
