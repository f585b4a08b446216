package emulator

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/soracron/soracron/emulator/target"
)

// seed fills e with the channel the action table runs against.
func seed(t *testing.T, e *Emulator) {
	t.Helper()
	mustAdd(t, e, Connection{ChannelID: "sora", ConnectionID: connA, Metadata: map[string]any{
		"a": json.Number("1"), "big": json.Number("12345678901234567890123"), "s": "x",
	}})
	mustAdd(t, e, Connection{ChannelID: "sora", ConnectionID: connB, ClientID: "alice", BundleID: "b1", Role: RoleSendOnly})
	mustAdd(t, e, Connection{ChannelID: "other", ConnectionID: connC, Metadata: map[string]any{"z": true}})
}

func TestActions(t *testing.T) {
	const mdA = `{"a":1,"big":12345678901234567890123,"s":"x"}`
	tests := []struct {
		name   string
		target string
		body   string
		want   string // exact reply body
		// after, when set, is the metadata of conn (default connA) after the call.
		conn  string
		after string
	}{
		{name: "list", target: target.List, body: `{"channel_id":"sora"}`,
			want: `[{"client_id":"` + connA + `","bundle_id":"` + connA + `","connection_id":"` + connA + `","metadata":` + mdA + `},` +
				`{"client_id":"alice","bundle_id":"b1","connection_id":"` + connB + `","metadata":{}}]`},
		{name: "list empty channel", target: target.List, body: `{"channel_id":"nobody-here"}`, want: `[]`},
		{name: "get", target: target.Get, body: `{"channel_id":"sora","connection_id":"` + connA + `"}`, want: mdA},
		{name: "get empty metadata", target: target.Get, body: `{"channel_id":"sora","connection_id":"` + connB + `"}`, want: `{}`},
		{name: "put creates", target: target.Put,
			body: `{"channel_id":"sora","connection_id":"` + connB + `","metadata":{"abc":"efg"}}`,
			want: `{"abc":"efg"}`, conn: connB, after: `{"abc":"efg"}`},
		{name: "put replaces", target: target.Put,
			body: `{"channel_id":"sora","connection_id":"` + connA + `","metadata":{"n":1.50, "z": [1, {"y": null}]},"push":false}`,
			want: `{"n":1.50,"z":[1,{"y":null}]}`, after: `{"n":1.50,"z":[1,{"y":null}]}`},
		{name: "put empty object", target: target.Put,
			body: `{"channel_id":"sora","connection_id":"` + connA + `","metadata":{}}`, want: `{}`, after: `{}`},
		{name: "put duplicate key last wins", target: target.Put,
			body: `{"channel_id":"sora","connection_id":"` + connA + `","metadata":{"k":1,"k":2}}`, want: `{"k":2}`, after: `{"k":2}`},
		{name: "delete returns before", target: target.Delete,
			body: `{"channel_id":"sora","connection_id":"` + connA + `"}`, want: mdA, after: `{}`},
		{name: "delete already empty", target: target.Delete,
			body: `{"channel_id":"sora","connection_id":"` + connB + `","push":true}`, want: `{}`, conn: connB, after: `{}`},
		{name: "put item adds", target: target.PutItem,
			body:  `{"channel_id":"sora","connection_id":"` + connA + `","key":"b","value":{"deep":[1e400, -0, 9007199254740993]}}`,
			want:  `{"a":1,"b":{"deep":[1e400,-0,9007199254740993]},"big":12345678901234567890123,"s":"x"}`,
			after: `{"a":1,"b":{"deep":[1e400,-0,9007199254740993]},"big":12345678901234567890123,"s":"x"}`},
		{name: "put item overwrites", target: target.PutItem,
			body: `{"channel_id":"sora","connection_id":"` + connA + `","key":"a","value":"busy","push":false}`,
			want: `{"a":"busy","big":12345678901234567890123,"s":"x"}`, after: `{"a":"busy","big":12345678901234567890123,"s":"x"}`},
		{name: "put item null value", target: target.PutItem,
			body: `{"channel_id":"sora","connection_id":"` + connB + `","key":"k","value":null}`,
			want: `{"k":null}`, conn: connB, after: `{"k":null}`},
		{name: "put item escaped key", target: target.PutItem,
			body: `{"channel_id":"sora","connection_id":"` + connB + `","key":"q\"\u00e9","value":1}`,
			want: `{"q\"é":1}`, conn: connB, after: `{"q\"é":1}`},
		{name: "delete item", target: target.DeleteItem,
			body: `{"channel_id":"sora","connection_id":"` + connA + `","key":"s"}`,
			want: `{"a":1,"big":12345678901234567890123}`, after: `{"a":1,"big":12345678901234567890123}`},
		{name: "delete item absent", target: target.DeleteItem,
			body: `{"channel_id":"sora","connection_id":"` + connA + `","key":"nope","push":true}`, want: mdA, after: mdA},
		{name: "list channels", target: target.ListChannels, body: `{}`,
			want: `[{"channel_id":"other","spotlight":false,"multistream":true},{"channel_id":"sora","spotlight":false,"multistream":true}]`},
		{name: "list channels local", target: target.ListChannels, body: `{"local":true}`,
			want: `[{"channel_id":"other","spotlight":false,"multistream":true},{"channel_id":"sora","spotlight":false,"multistream":true}]`},
		{name: "list channel connections", target: target.ListChannelConnections, body: `{"channel_id":"other"}`,
			want: `[{"channel_id":"other","client_id":"` + connC + `","bundle_id":"` + connC + `","connection_id":"` + connC +
				`","session_id":"$other","role":"sendrecv","created_time":1700000000000000,"audio":true,"video":true,"simulcast":false,"spotlight":false}]`},
		{name: "list channel connections empty", target: target.ListChannelConnections, body: `{"channel_id":"x"}`, want: `[]`},
		{name: "push channel", target: target.PushChannel, body: `{"channel_id":"sora","data":{"m":1}}`, want: `{"data":{"m":1},"type":"push"}`, after: mdA},
		{name: "push connection", target: target.PushConnection,
			body: `{"channel_id":"sora","connection_id":"` + connB + `","data":{"m":1}}`, want: `{"data":{"m":1},"type":"push"}`},
		{name: "disconnect", target: target.DisconnectConnection,
			body: `{"channel_id":"other","connection_id":"` + connC + `","reason":{"type":"normal"}}`,
			want: `{"channel_id":"other","connection_id":"` + connC + `"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, srv := start(t, Options{Now: fixedNow})
			seed(t, e)
			r := call(t, srv.URL, tt.target, tt.body)
			if r.status != 200 {
				t.Fatalf("status %d, body %s", r.status, r.body)
			}
			want := strings.NewReplacer("$other", sessionOf(e, "other"), "$sora", sessionOf(e, "sora")).Replace(tt.want)
			if got := string(r.body); got != want {
				t.Errorf("body\n got: %s\nwant: %s", got, want)
			}
			if ct := r.header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("content-type %q", ct)
			}
			if sv := r.header.Get("Server"); sv != "Cowboy" {
				t.Errorf("server %q", sv)
			}
			if tt.after != "" {
				conn := tt.conn
				if conn == "" {
					conn = connA
				}
				md, ok := e.Metadata("sora", conn)
				if !ok {
					t.Fatalf("connection %s gone", conn)
				}
				if want := decodeJSON(t, []byte(tt.after)); !reflect.DeepEqual(any(md), want) {
					t.Errorf("metadata after: %v, want %s", md, tt.after)
				}
			}
		})
	}
}

func TestDisconnectRemoves(t *testing.T) {
	e, srv := start(t, Options{})
	seed(t, e)
	call(t, srv.URL, target.DisconnectConnection, `{"channel_id":"sora","connection_id":"`+connA+`"}`)
	if _, ok := e.Metadata("sora", connA); ok {
		t.Error("connection still there after DisconnectConnection")
	}
	r := call(t, srv.URL, target.Get, `{"channel_id":"sora","connection_id":"`+connA+`"}`)
	if typ, _ := errType(t, r.body); r.status != 400 || typ != ErrConnectionNotFound {
		t.Errorf("get after disconnect: %d %s", r.status, r.body)
	}
}

func TestNumbersRoundTripExactly(t *testing.T) {
	e, srv := start(t, Options{})
	mustAdd(t, e, Connection{ChannelID: "sora", ConnectionID: connA})
	values := []string{"9007199254740993", "-9223372036854775809", "18446744073709551616", "0.1", "1E+2", "123456789012345678901234567890.5"}
	for _, v := range values {
		t.Run(v, func(t *testing.T) {
			r := call(t, srv.URL, target.PutItem, `{"channel_id":"sora","connection_id":"`+connA+`","key":"n","value":`+v+`}`)
			if !bytes.Contains(r.body, []byte(`"n":`+v)) {
				t.Errorf("put item reply %s does not carry %s", r.body, v)
			}
			r = call(t, srv.URL, target.Get, `{"channel_id":"sora","connection_id":"`+connA+`"}`)
			if want := `{"n":` + v + `}`; string(r.body) != want {
				t.Errorf("get %s, want %s", r.body, want)
			}
			md, _ := e.Metadata("sora", connA)
			if md["n"] != json.Number(v) {
				t.Errorf("Metadata n = %#v, want json.Number(%s)", md["n"], v)
			}
		})
	}
}

func TestMetadataIsDeepCopy(t *testing.T) {
	e, _ := start(t, Options{})
	mustAdd(t, e, Connection{ChannelID: "sora", ConnectionID: connA, Metadata: map[string]any{"o": map[string]any{"k": "v"}}})
	md, _ := e.Metadata("sora", connA)
	md["o"].(map[string]any)["k"] = "changed"
	md["new"] = 1
	cs := e.Connections("sora")
	cs[0].Metadata["o"].(map[string]any)["k"] = "changed too"
	again, _ := e.Metadata("sora", connA)
	if want := map[string]any{"o": map[string]any{"k": "v"}}; !reflect.DeepEqual(again, want) {
		t.Errorf("metadata changed through a copy: %v", again)
	}
}
