package emulator

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/soracron/soracron/emulator/target"
)

// devtoolsRequests are the requests Shiguredo's developer tools send
// (sora-devtools, src/api.json: method and params; Api.tsx: POST with
// Content-Type: application/json and x-sora-target, body
// JSON.stringify(params), which is no body at all when a method has no
// params), for every target the emulator serves, in the file's order. The
// tools leave ids empty for the user to fill in; $CONN, $CLIENT are filled in
// here.
var devtoolsRequests = []struct {
	name, target, params string
}{
	{"disconnect channel", target.DisconnectChannel, `{"channel_id":"sora","reason":{"type":"normal"}}`},
	{"disconnect client", target.DisconnectClient, `{"channel_id":"sora","client_id":"$CLIENT","reason":{"type":"normal"}}`},
	{"disconnect connection", target.DisconnectConnection, `{"channel_id":"sora","connection_id":"$CONN","reason":{"type":"normal"}}`},
	{"disconnect channel by role", target.DisconnectChannelByRole, `{"channel_id":"sora","role":"sendrecv"}`},
	{"push channel", target.PushChannel, `{"channel_id":"sora","data":{"spam":"egg"}}`},
	{"push client", target.PushClient, `{"channel_id":"sora","client_id":"$CLIENT","data":{"spam":"egg"}}`},
	{"push connection", target.PushConnection, `{"channel_id":"sora","connection_id":"$CONN","data":{"spam":"egg"}}`},
	{"push channel by role", target.PushChannelByRole, `{"channel_id":"sora","role":"sendrecv","data":{"spam":"egg"}}`},
	{"list connections", target.ListConnections, ``},
	{"list channel connections", target.ListChannelConnections, `{"channel_id":"sora"}`},
}

// devtoolsFixture: alice has two connections (one sendonly), bob one.
const devtoolsFixture = `
channels:
  sora:
    - {connection_id: 0FQE5EA5YN3FS13P01QZ1JG8R0, client_id: alice}
    - {connection_id: V3Q452QQBD5TQ6ZQDMTEDKA07C, client_id: alice, role: sendonly}
    - {connection_id: 7ZZZZZZZZZZZZZZZZZZZZZZZZZ, client_id: bob, metadata: {seat: 3}}
  other:
    - {connection_id: 1AAAAAAAAAAAAAAAAAAAAAAAAA}
`

// postLikeDevtools sends a request exactly as Api.tsx builds it.
func postLikeDevtools(t *testing.T, url, target, params string) reply {
	t.Helper()
	var body io.Reader
	if params != "" {
		body = strings.NewReader(params)
	}
	req, err := http.NewRequest(http.MethodPost, url, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("x-sora-target", target)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return reply{resp.StatusCode, resp.Header, b}
}

func TestDevtoolsRequests(t *testing.T) {
	ids := func(e *Emulator, ch string) []string {
		var out []string
		for _, c := range e.Connections(ch) {
			out = append(out, c.ConnectionID)
		}
		return out
	}
	pushed := func(t *testing.T, e *Emulator, want []string) {
		t.Helper()
		ds := e.Deliveries("sora")
		if len(ds) != 1 {
			t.Fatalf("%d deliveries, want 1", len(ds))
		}
		if string(ds[0].Message) != `{"data":{"spam":"egg"},"type":"push"}` {
			t.Errorf("message %s", ds[0].Message)
		}
		if !slices.Equal(ds[0].Recipients, want) {
			t.Errorf("recipients %v, want %v", ds[0].Recipients, want)
		}
	}
	const a1, a2, b1 = connA, connB, connC // sorted: a1, b1, a2
	checks := map[string]func(t *testing.T, e *Emulator, r reply){
		"disconnect channel": func(t *testing.T, e *Emulator, r reply) {
			if got := ids(e, "sora"); len(got) != 0 {
				t.Errorf("left in sora: %v", got)
			}
			if got := ids(e, "other"); len(got) != 1 {
				t.Errorf("other channel touched: %v", got)
			}
			jsonEqual(t, r.body, `{"channel_id":"sora","connection_ids":["`+a1+`","`+b1+`","`+a2+`"]}`)
		},
		"disconnect client": func(t *testing.T, e *Emulator, r reply) {
			if got := ids(e, "sora"); !slices.Equal(got, []string{b1}) {
				t.Errorf("left in sora: %v", got)
			}
		},
		"disconnect connection": func(t *testing.T, e *Emulator, r reply) {
			if got := ids(e, "sora"); !slices.Equal(got, []string{b1, a2}) {
				t.Errorf("left in sora: %v", got)
			}
			if _, ok := e.Metadata("sora", a1); ok {
				t.Error("metadata of the disconnected connection still there")
			}
		},
		"disconnect channel by role": func(t *testing.T, e *Emulator, r reply) {
			if got := ids(e, "sora"); !slices.Equal(got, []string{a2}) {
				t.Errorf("left in sora: %v, want the sendonly one", got)
			}
		},
		"push channel":         func(t *testing.T, e *Emulator, r reply) { pushed(t, e, []string{a1, b1, a2}) },
		"push client":          func(t *testing.T, e *Emulator, r reply) { pushed(t, e, []string{a1, a2}) },
		"push connection":      func(t *testing.T, e *Emulator, r reply) { pushed(t, e, []string{a1}) },
		"push channel by role": func(t *testing.T, e *Emulator, r reply) { pushed(t, e, []string{a1, b1}) },
		"list connections": func(t *testing.T, e *Emulator, r reply) {
			var got []map[string]any
			if err := json.Unmarshal(r.body, &got); err != nil || len(got) != 4 {
				t.Fatalf("%d connections (%v): %s", len(got), err, r.body)
			}
		},
		"list channel connections": func(t *testing.T, e *Emulator, r reply) {
			var got []map[string]any
			if err := json.Unmarshal(r.body, &got); err != nil || len(got) != 3 {
				t.Fatalf("%d connections (%v): %s", len(got), err, r.body)
			}
		},
	}
	for _, x := range devtoolsRequests {
		t.Run(x.name, func(t *testing.T) {
			e, srv := start(t, Options{})
			if err := e.LoadFixtureYAML([]byte(devtoolsFixture)); err != nil {
				t.Fatal(err)
			}
			params := strings.NewReplacer("$CONN", a1, "$CLIENT", "alice").Replace(x.params)
			r := postLikeDevtools(t, srv.URL, x.target, params)
			if r.status != 200 {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			if ct := r.header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("content-type %q", ct)
			}
			checks[x.name](t, e, r)
		})
	}
}

// TestPushReplyIsTheMessage: every push target answers with the message it
// delivered, byte for byte, in the vendor's key order ("type" last).
func TestPushReplyIsTheMessage(t *testing.T) {
	for _, x := range devtoolsRequests {
		if !strings.HasPrefix(x.name, "push") {
			continue
		}
		t.Run(x.name, func(t *testing.T) {
			e, srv := start(t, Options{})
			if err := e.LoadFixtureYAML([]byte(devtoolsFixture)); err != nil {
				t.Fatal(err)
			}
			params := strings.NewReplacer("$CONN", connA, "$CLIENT", "alice", `"egg"`, `"egg","n":1.50`).Replace(x.params)
			r := postLikeDevtools(t, srv.URL, x.target, params)
			ds := e.Deliveries("sora")
			if r.status != 200 || len(ds) != 1 {
				t.Fatalf("status %d, %d deliveries: %s", r.status, len(ds), r.body)
			}
			if want := `{"data":{"spam":"egg","n":1.50},"type":"push"}`; string(r.body) != want || !bytes.Equal(ds[0].Message, r.body) {
				t.Errorf("reply %s, delivered %s, want both %s", r.body, ds[0].Message, want)
			}
		})
	}
}

// TestEmptyBody: targets whose parameters are all optional take an empty
// body as {} (the vendor's recorded ListChannels exchange is sent with
// Content-Length: 0); the others still say the body is not JSON.
func TestEmptyBody(t *testing.T) {
	e, srv := start(t, Options{})
	mustAdd(t, e, Connection{ChannelID: "sora", ConnectionID: connA})
	for _, tt := range []struct {
		target string
		status int
	}{
		{target.ListChannels, 200},
		{target.ListConnections, 200},
		{target.List, 400},
		{target.PushChannel, 400},
		{target.DisconnectChannel, 400},
	} {
		t.Run(target.ActionName(tt.target), func(t *testing.T) {
			r := postLikeDevtools(t, srv.URL, tt.target, "")
			if r.status != tt.status {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			if tt.status != 200 {
				if typ, _ := errType(t, r.body); typ != ErrInvalidJSON {
					t.Errorf("error_type %s", typ)
				}
			}
		})
	}
}
