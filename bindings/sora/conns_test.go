package sora

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
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
