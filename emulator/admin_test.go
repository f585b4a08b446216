package emulator

import (
	"encoding/json"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/soracron/soracron/emulator/push"
	"github.com/soracron/soracron/emulator/target"
)

func TestAdminAPI(t *testing.T) {
	e, srv := start(t, Options{Now: fixedNow, CORSOrigin: "https://x.example"})
	admin := srv.URL + "emulator/"
	t.Run("add connection", func(t *testing.T) {
		r := do(t, http.MethodPost, admin+"connections", "",
			`{"channel_id":"sora","connection_id":"`+connA+`","client_id":"alice","role":"recvonly","metadata":{"n":12345678901234567890}}`)
		if r.status != 201 {
			t.Fatalf("status %d: %s", r.status, r.body)
		}
		jsonEqual(t, r.body, `{"channel_id":"sora","connection_id":"`+connA+`","client_id":"alice","bundle_id":"`+connA+
			`","role":"recvonly","created_time":"2023-11-14T22:13:20Z","metadata":{"n":12345678901234567890}}`)
		checkCORS(t, r.header, "https://x.example")
		// The Sora API sees it.
		r = call(t, srv.URL, target.Get, `{"channel_id":"sora","connection_id":"`+connA+`"}`)
		if string(r.body) != `{"n":12345678901234567890}` {
			t.Errorf("get: %s", r.body)
		}
	})
	t.Run("add generates ids", func(t *testing.T) {
		r := do(t, http.MethodPost, admin+"connections", "", `{"channel_id":"sora"}`)
		if r.status != 201 {
			t.Fatalf("status %d: %s", r.status, r.body)
		}
		var c Connection
		if err := json.Unmarshal(r.body, &c); err != nil {
			t.Fatal(err)
		}
		if !ValidID(c.ConnectionID) || c.ClientID != c.ConnectionID || c.BundleID != c.ConnectionID || c.Role != "sendrecv" || c.Metadata == nil {
			t.Errorf("defaults not applied: %+v", c)
		}
	})
	bad := []struct {
		name, body string
		status     int
		typ, msg   string
	}{
		{"duplicate", `{"channel_id":"sora","connection_id":"` + connA + `"}`, 409, ErrConflict, "already exists"},
		{"no channel", `{"connection_id":"` + connB + `"}`, 400, ErrBadRequest, "channel_id"},
		{"bad id", `{"channel_id":"sora","connection_id":"abc"}`, 400, ErrBadRequest, "Crockford"},
		{"lower-case id", `{"channel_id":"sora","connection_id":"` + strings.ToLower(connB) + `"}`, 400, ErrBadRequest, "Crockford"},
		{"bad role", `{"channel_id":"sora","role":"admin"}`, 400, ErrBadRequest, "role"},
		{"unknown field", `{"channel_id":"sora","colour":"red"}`, 400, ErrBadRequest, "colour"},
		{"metadata not an object", `{"channel_id":"sora","metadata":[1]}`, 400, ErrBadRequest, "metadata"},
		{"not JSON", `{`, 400, ErrBadRequest, "invalid body"},
		{"cut short", `{`, 400, ErrBadRequest, "ended before the value was complete"},
		{"cut short in a string", `{"channel_id":"so`, 400, ErrBadRequest, "ended before the value was complete"},
		{"empty", ``, 400, ErrBadRequest, "empty"},
		{"two values", `{"channel_id":"sora"}{}`, 400, ErrBadRequest, "more than one"},
	}
	for _, tt := range bad {
		t.Run("add "+tt.name, func(t *testing.T) {
			r := do(t, http.MethodPost, admin+"connections", "", tt.body)
			typ, msg := errType(t, r.body)
			if r.status != tt.status || typ != tt.typ || !strings.Contains(msg, tt.msg) {
				t.Errorf("got %d %s %q, want %d %s mentioning %q", r.status, typ, msg, tt.status, tt.typ, tt.msg)
			}
		})
	}
	t.Run("list", func(t *testing.T) {
		mustAdd(t, e, Connection{ChannelID: "other", ConnectionID: connC})
		var all, sora, none []Connection
		for url, dst := range map[string]*[]Connection{
			admin + "connections": &all, admin + "connections?channel=sora": &sora, admin + "connections?channel=nope": &none,
		} {
			r := do(t, http.MethodGet, url, "", "")
			if r.status != 200 {
				t.Fatalf("%s: %d", url, r.status)
			}
			if err := json.Unmarshal(r.body, dst); err != nil {
				t.Fatal(err)
			}
		}
		if len(all) != 3 || all[0].ChannelID != "other" || len(sora) != 2 || !slices.ContainsFunc(sora, func(c Connection) bool { return c.ConnectionID == connA }) || none == nil || len(none) != 0 {
			t.Errorf("all %d, sora %d, none %v", len(all), len(sora), none)
		}
	})
	t.Run("generate", func(t *testing.T) {
		r := do(t, http.MethodPost, admin+"generate", "", `{"channel_id":"gen","count":5}`)
		var out struct {
			ChannelID     string   `json:"channel_id"`
			ConnectionIDs []string `json:"connection_ids"`
		}
		if err := json.Unmarshal(r.body, &out); err != nil || r.status != 201 {
			t.Fatalf("%d %s %v", r.status, r.body, err)
		}
		if len(out.ConnectionIDs) != 5 || len(e.Connections("gen")) != 5 {
			t.Errorf("generated %v", out.ConnectionIDs)
		}
		r = do(t, http.MethodPost, admin+"generate", "", `{"channel_id":"gen","count":0}`)
		if r.status != 400 {
			t.Errorf("count 0: %d", r.status)
		}
	})
	t.Run("remove", func(t *testing.T) {
		r := do(t, http.MethodDelete, admin+"connections/other/"+connC, "", "")
		if r.status != 204 {
			t.Errorf("status %d: %s", r.status, r.body)
		}
		if len(e.Connections("other")) != 0 {
			t.Error("still connected")
		}
		r = do(t, http.MethodDelete, admin+"connections/other/"+connC, "", "")
		if typ, _ := errType(t, r.body); r.status != 404 || typ != ErrConnectionNotFound {
			t.Errorf("second delete: %d %s", r.status, r.body)
		}
	})
	t.Run("deliveries", func(t *testing.T) {
		call(t, srv.URL, target.PutItem, `{"channel_id":"sora","connection_id":"`+connA+`","key":"k","value":1,"push":true}`)
		r := do(t, http.MethodGet, admin+"deliveries?channel=sora", "", "")
		var ds []push.Delivery
		if err := json.Unmarshal(r.body, &ds); err != nil {
			t.Fatal(err)
		}
		if len(ds) != 1 || len(ds[0].Recipients) != 2 || !strings.Contains(string(ds[0].Message), `"action":"PutMetadataItem"`) {
			t.Errorf("deliveries %s", r.body)
		}
		r = do(t, http.MethodGet, admin+"deliveries?channel=gen", "", "")
		if string(r.body) != "[]\n" {
			t.Errorf("deliveries of gen: %q", r.body)
		}
	})
	t.Run("state", func(t *testing.T) {
		r := do(t, http.MethodGet, admin+"state", "", "")
		var st struct {
			Channels []ChannelInfo `json:"channels"`
			Events   push.Stats    `json:"events"`
		}
		if err := json.Unmarshal(r.body, &st); err != nil {
			t.Fatal(err)
		}
		want := []ChannelInfo{{"gen", 5}, {"sora", 2}}
		if !reflect.DeepEqual(st.Channels, want) || st.Events.LastSeq != 1 {
			t.Errorf("state %s", r.body)
		}
	})
	t.Run("wrong method and unknown path", func(t *testing.T) {
		for _, x := range []struct{ method, path, allow, typ string }{
			{http.MethodGet, "reset", "POST", ErrMethodNotAllowed},
			{http.MethodPut, "connections", "GET, POST", ErrMethodNotAllowed},
			{http.MethodGet, "connections/sora/" + connA, "DELETE", ErrMethodNotAllowed},
			{http.MethodGet, "nothing", "", ErrNotFound},
		} {
			r := do(t, x.method, admin+x.path, "", "")
			typ, _ := errType(t, r.body)
			if typ != x.typ || r.header.Get("Allow") != x.allow {
				t.Errorf("%s %s: %d %s allow %q", x.method, x.path, r.status, r.body, r.header.Get("Allow"))
			}
		}
		r := do(t, http.MethodPost, srv.URL+"elsewhere", target.List, `{"channel_id":"sora"}`)
		if typ, _ := errType(t, r.body); r.status != 404 || typ != ErrNotFound {
			t.Errorf("POST /elsewhere: %d %s", r.status, r.body)
		}
	})
	t.Run("reset", func(t *testing.T) {
		r := do(t, http.MethodPost, admin+"reset", "", "")
		if r.status != 204 {
			t.Fatalf("status %d", r.status)
		}
		if len(e.Connections("")) != 0 || len(e.Deliveries("")) != 0 {
			t.Error("state left after reset")
		}
		r = call(t, srv.URL, target.List, `{"channel_id":"sora"}`)
		if string(r.body) != "[]" {
			t.Errorf("list after reset: %s", r.body)
		}
	})
}
