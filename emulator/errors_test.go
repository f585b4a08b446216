package emulator

import (
	"net/http"
	"strings"
	"testing"

	"github.com/soracron/soracron/emulator/target"
)

func TestErrors(t *testing.T) {
	c := `"channel_id":"sora","connection_id":"` + connA + `"`
	tests := []struct {
		name     string
		method   string // default POST
		target   string
		body     string
		status   int
		typ      string
		mentions string // the message must contain this (the key named)
	}{
		{name: "missing target", body: `{"channel_id":"sora"}`, status: 400, typ: ErrUnknownTarget, mentions: "x-sora-target"},
		{name: "unknown target", target: "Sora_20201124.Nope", body: `{}`, status: 400, typ: ErrUnknownTarget, mentions: "Sora_20201124.Nope"},
		{name: "wrong version of a metadata action", target: "Sora_20201013.ListSignalingNotifyMetadata", body: `{"channel_id":"sora"}`, status: 400, typ: ErrUnknownTarget, mentions: "Sora_20201013"},
		{name: "wrong version of ListChannels", target: "Sora_20201124.ListChannels", body: `{}`, status: 400, typ: ErrUnknownTarget},
		{name: "wrong version of PushChannel", target: "Sora_20201013.PushChannel", body: `{}`, status: 400, typ: ErrUnknownTarget},
		{name: "no version", target: "ListSignalingNotifyMetadata", body: `{}`, status: 400, typ: ErrUnknownTarget},
		{name: "target is case-sensitive", target: "sora_20201124.listsignalingnotifymetadata", body: `{}`, status: 400, typ: ErrUnknownTarget},
		{name: "body not JSON", target: target.List, body: `{"channel_id":`, status: 400, typ: ErrInvalidJSON},
		{name: "body empty", target: target.List, body: ``, status: 400, typ: ErrInvalidJSON},
		{name: "body an array", target: target.List, body: `[{"channel_id":"sora"}]`, status: 400, typ: ErrInvalidJSON},
		{name: "body a string", target: target.Get, body: `"sora"`, status: 400, typ: ErrInvalidJSON},
		{name: "body null", target: target.Get, body: `null`, status: 400, typ: ErrInvalidJSON},
		{name: "body with trailing data", target: target.List, body: `{"channel_id":"sora"} {}`, status: 400, typ: ErrInvalidJSON},
		{name: "body not UTF-8", target: target.List, body: "{\"channel_id\":\"\xff\"}", status: 400, typ: ErrInvalidJSON},
		{name: "list without channel_id", target: target.List, body: `{}`, status: 400, typ: ErrInvalidParams, mentions: `"channel_id"`},
		{name: "keys are case-sensitive", target: target.List, body: `{"Channel_ID":"sora"}`, status: 400, typ: ErrInvalidParams, mentions: `"channel_id"`},
		{name: "channel_id a number", target: target.List, body: `{"channel_id":1}`, status: 400, typ: ErrInvalidParams, mentions: `"channel_id"`},
		{name: "get without connection_id", target: target.Get, body: `{"channel_id":"sora"}`, status: 400, typ: ErrInvalidParams, mentions: `"connection_id"`},
		{name: "connection_id null", target: target.Get, body: `{"channel_id":"sora","connection_id":null}`, status: 400, typ: ErrInvalidParams, mentions: `"connection_id"`},
		{name: "put without metadata", target: target.Put, body: `{` + c + `}`, status: 400, typ: ErrInvalidParams, mentions: `"metadata"`},
		{name: "put metadata a string", target: target.Put, body: `{` + c + `,"metadata":"x"}`, status: 400, typ: ErrInvalidParams, mentions: `"metadata"`},
		{name: "put metadata an array", target: target.Put, body: `{` + c + `,"metadata":[]}`, status: 400, typ: ErrInvalidParams, mentions: `"metadata"`},
		{name: "put metadata null", target: target.Put, body: `{` + c + `,"metadata":null}`, status: 400, typ: ErrInvalidParams, mentions: `"metadata"`},
		{name: "put push a string", target: target.Put, body: `{` + c + `,"metadata":{},"push":"true"}`, status: 400, typ: ErrInvalidParams, mentions: `"push"`},
		{name: "delete push a number", target: target.Delete, body: `{` + c + `,"push":1}`, status: 400, typ: ErrInvalidParams, mentions: `"push"`},
		{name: "put item without key", target: target.PutItem, body: `{` + c + `,"value":1}`, status: 400, typ: ErrInvalidParams, mentions: `"key"`},
		{name: "put item key a number", target: target.PutItem, body: `{` + c + `,"key":1,"value":1}`, status: 400, typ: ErrInvalidParams, mentions: `"key"`},
		{name: "put item without value", target: target.PutItem, body: `{` + c + `,"key":"k"}`, status: 400, typ: ErrInvalidParams, mentions: `"value"`},
		{name: "put item push null", target: target.PutItem, body: `{` + c + `,"key":"k","value":1,"push":null}`, status: 400, typ: ErrInvalidParams, mentions: `"push"`},
		{name: "delete item without key", target: target.DeleteItem, body: `{` + c + `}`, status: 400, typ: ErrInvalidParams, mentions: `"key"`},
		{name: "delete item key an object", target: target.DeleteItem, body: `{` + c + `,"key":{}}`, status: 400, typ: ErrInvalidParams, mentions: `"key"`},
		{name: "list channels local a string", target: target.ListChannels, body: `{"local":"yes"}`, status: 400, typ: ErrInvalidParams, mentions: `"local"`},
		{name: "list channel connections without channel_id", target: target.ListChannelConnections, body: `{}`, status: 400, typ: ErrInvalidParams, mentions: `"channel_id"`},
		{name: "push channel without data", target: target.PushChannel, body: `{"channel_id":"sora"}`, status: 400, typ: ErrInvalidParams, mentions: `"data"`},
		{name: "push channel data an array", target: target.PushChannel, body: `{"channel_id":"sora","data":[1]}`, status: 400, typ: ErrInvalidParams, mentions: `"data"`},
		{name: "push connection without connection_id", target: target.PushConnection, body: `{"channel_id":"sora","data":{}}`, status: 400, typ: ErrInvalidParams, mentions: `"connection_id"`},
		{name: "disconnect reason a number", target: target.DisconnectConnection, body: `{` + c + `,"reason":1}`, status: 400, typ: ErrInvalidParams, mentions: `"reason"`},
		{name: "disconnect reason a string", target: target.DisconnectConnection, body: `{` + c + `,"reason":"bye"}`, status: 400, typ: ErrInvalidParams, mentions: `{"type": "normal"}`},
		{name: "disconnect channel reason a string", target: target.DisconnectChannel, body: `{"channel_id":"sora","reason":"bye"}`, status: 400, typ: ErrInvalidParams, mentions: `"reason"`},
		{name: "disconnect client without client_id", target: target.DisconnectClient, body: `{"channel_id":"sora"}`, status: 400, typ: ErrInvalidParams, mentions: `"client_id"`},
		{name: "disconnect client unknown client", target: target.DisconnectClient, body: `{"channel_id":"sora","client_id":"nobody"}`, status: 400, typ: ErrConnectionNotFound, mentions: "nobody"},
		{name: "disconnect channel without channel_id", target: target.DisconnectChannel, body: `{}`, status: 400, typ: ErrInvalidParams, mentions: `"channel_id"`},
		{name: "disconnect by role without role", target: target.DisconnectChannelByRole, body: `{"channel_id":"sora"}`, status: 400, typ: ErrInvalidParams, mentions: `"role"`},
		{name: "disconnect by role unknown role", target: target.DisconnectChannelByRole, body: `{"channel_id":"sora","role":"admin"}`, status: 400, typ: ErrInvalidParams, mentions: "recvonly"},
		{name: "push client without client_id", target: target.PushClient, body: `{"channel_id":"sora","data":{}}`, status: 400, typ: ErrInvalidParams, mentions: `"client_id"`},
		{name: "push client data a string", target: target.PushClient, body: `{"channel_id":"sora","client_id":"a","data":"x"}`, status: 400, typ: ErrInvalidParams, mentions: `"data"`},
		{name: "push by role role a number", target: target.PushChannelByRole, body: `{"channel_id":"sora","role":1,"data":{}}`, status: 400, typ: ErrInvalidParams, mentions: `"role"`},
		{name: "push by role without data", target: target.PushChannelByRole, body: `{"channel_id":"sora","role":"sendonly"}`, status: 400, typ: ErrInvalidParams, mentions: `"data"`},
		{name: "list connections body an array", target: target.ListConnections, body: `[]`, status: 400, typ: ErrInvalidJSON},
		{name: "get unknown connection", target: target.Get, body: `{"channel_id":"sora","connection_id":"` + connB + `"}`, status: 400, typ: ErrConnectionNotFound, mentions: connB},
		{name: "get unknown channel", target: target.Get, body: `{"channel_id":"nope",` + `"connection_id":"` + connA + `"}`, status: 400, typ: ErrConnectionNotFound, mentions: "nope"},
		{name: "put unknown connection", target: target.Put, body: `{"channel_id":"sora","connection_id":"X","metadata":{}}`, status: 400, typ: ErrConnectionNotFound},
		{name: "delete unknown connection", target: target.Delete, body: `{"channel_id":"sora","connection_id":"X"}`, status: 400, typ: ErrConnectionNotFound},
		{name: "put item unknown connection", target: target.PutItem, body: `{"channel_id":"sora","connection_id":"X","key":"k","value":1}`, status: 400, typ: ErrConnectionNotFound},
		{name: "delete item unknown connection", target: target.DeleteItem, body: `{"channel_id":"sora","connection_id":"X","key":"k"}`, status: 400, typ: ErrConnectionNotFound},
		{name: "push connection unknown connection", target: target.PushConnection, body: `{"channel_id":"sora","connection_id":"X","data":{}}`, status: 400, typ: ErrConnectionNotFound},
		{name: "disconnect unknown connection", target: target.DisconnectConnection, body: `{"channel_id":"sora","connection_id":"X"}`, status: 400, typ: ErrConnectionNotFound},
		{name: "connection in another channel", target: target.Get, body: `{"channel_id":"other","connection_id":"` + connA + `"}`, status: 400, typ: ErrConnectionNotFound},
		{name: "GET", method: http.MethodGet, target: target.List, status: 405, typ: ErrMethodNotAllowed, mentions: "GET"},
		{name: "PUT", method: http.MethodPut, target: target.List, body: `{"channel_id":"sora"}`, status: 405, typ: ErrMethodNotAllowed},
		{name: "DELETE", method: http.MethodDelete, status: 405, typ: ErrMethodNotAllowed},
	}
	for _, cors := range []string{"", "https://console.example"} {
		e, srv := start(t, Options{CORSOrigin: cors})
		mustAdd(t, e, Connection{ChannelID: "sora", ConnectionID: connA, Metadata: map[string]any{"k": "v"}})
		for _, tt := range tests {
			name := tt.name
			if cors != "" {
				name += " with CORS"
			}
			t.Run(name, func(t *testing.T) {
				method := tt.method
				if method == "" {
					method = http.MethodPost
				}
				r := do(t, method, srv.URL, tt.target, tt.body)
				if r.status != tt.status {
					t.Errorf("status %d, want %d (body %s)", r.status, tt.status, r.body)
				}
				typ, msg := errType(t, r.body)
				if typ != tt.typ {
					t.Errorf("error_type %q, want %q (message %q)", typ, tt.typ, msg)
				}
				if !strings.Contains(msg, tt.mentions) {
					t.Errorf("message %q does not mention %s", msg, tt.mentions)
				}
				if ct := r.header.Get("Content-Type"); ct != "application/json" {
					t.Errorf("content-type %q", ct)
				}
				if r.status == 405 && r.header.Get("Allow") != "POST, OPTIONS" {
					t.Errorf("allow %q", r.header.Get("Allow"))
				}
				checkCORS(t, r.header, cors)
			})
		}
		if md, _ := e.Metadata("sora", connA); len(md) != 1 || md["k"] != "v" {
			t.Errorf("failed requests changed the metadata: %v", md)
		}
	}
}

// checkCORS checks the four CORS headers of the reference are there (with
// origin) or absent (origin empty), and that server is Cowboy.
func checkCORS(t *testing.T, h http.Header, origin string) {
	t.Helper()
	want := map[string]string{
		"access-control-allow-headers": "Origin, X-Requested-With, Content-Type, Accept, x-sora-target",
		"access-control-allow-methods": "POST, OPTIONS",
		"access-control-allow-origin":  origin,
		"access-control-max-age":       "1000",
	}
	for k, v := range want {
		got := h.Values(k)
		switch {
		case origin == "" && len(got) != 0:
			t.Errorf("%s: %q without a CORS origin", k, got)
		case origin != "" && (len(got) != 1 || got[0] != v):
			t.Errorf("%s: %q, want %q", k, got, v)
		}
	}
	if sv := h.Get("Server"); sv != "Cowboy" {
		t.Errorf("server %q", sv)
	}
}

func TestPreflight(t *testing.T) {
	for _, origin := range []string{"", "https://console.example"} {
		t.Run("origin "+origin, func(t *testing.T) {
			_, srv := start(t, Options{CORSOrigin: origin})
			r := do(t, http.MethodOptions, srv.URL, "", "")
			if r.status != 200 || len(r.body) != 0 {
				t.Errorf("OPTIONS: %d %q", r.status, r.body)
			}
			checkCORS(t, r.header, origin)
			// CORS headers are on successful replies too.
			r = call(t, srv.URL, target.List, `{"channel_id":"sora"}`)
			if r.status != 200 || string(r.body) != "[]" {
				t.Errorf("list: %d %s", r.status, r.body)
			}
			checkCORS(t, r.header, origin)
		})
	}
}
