package emulator

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/soracron/soracron/emulator/target"
	"github.com/soracron/soracron/emulator/webhook"
)

// hookRecv records the event webhooks it receives; the first failFirst
// deliveries of each event id are answered 503.
type hookRecv struct {
	mu        sync.Mutex
	events    []map[string]any
	headers   []http.Header
	seen      map[string]int
	failFirst int
}

func (h *hookRecv) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	var ev map[string]any
	_ = json.Unmarshal(b, &ev)
	h.mu.Lock()
	defer h.mu.Unlock()
	id, _ := ev["id"].(string)
	if h.seen == nil {
		h.seen = map[string]int{}
	}
	h.seen[id]++
	if h.seen[id] <= h.failFirst {
		w.WriteHeader(503)
		return
	}
	h.events = append(h.events, ev)
	h.headers = append(h.headers, r.Header.Clone())
}

func (h *hookRecv) snapshot() ([]map[string]any, []http.Header) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]map[string]any(nil), h.events...), append([]http.Header(nil), h.headers...)
}

// closeEmu flushes the event webhook.
func closeEmu(t *testing.T, e *Emulator) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.Close(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestEventWebhook(t *testing.T) {
	recv := &hookRecv{failFirst: 1}
	hs := httptest.NewServer(recv)
	defer hs.Close()
	url := strings.Replace(hs.URL, "http://", "http://sora:s3cret@", 1) + "/webhooks/sora/event"
	e, srv := start(t, Options{EventWebhookURL: url, Now: fixedNow})
	// Created through each way in.
	mustAdd(t, e, Connection{ChannelID: "sora", ConnectionID: connA, ClientID: "alice", Metadata: map[string]any{"seat": json.Number("3")}})
	if r := do(t, http.MethodPost, srv.URL+"emulator/connections", "", `{"channel_id":"sora","connection_id":"`+connB+`","role":"sendonly"}`); r.status != 201 {
		t.Fatalf("add: %d %s", r.status, r.body)
	}
	if err := e.LoadFixtureYAML([]byte("channels:\n  other:\n    - connection_id: " + connC + "\n")); err != nil {
		t.Fatal(err)
	}
	gen := e.Generate("gen", 3)
	// Updated when asked, destroyed through each way out.
	if r := do(t, http.MethodPost, srv.URL+"emulator/connections/sora/"+connA+"/updated", "", ""); r.status != 204 {
		t.Fatalf("updated: %d %s", r.status, r.body)
	}
	if r := do(t, http.MethodPost, srv.URL+"emulator/connections/sora/NOPE/updated", "", ""); r.status != 404 {
		t.Errorf("updated of an unknown connection: %d", r.status)
	}
	if r := call(t, srv.URL, target.DisconnectConnection, `{"channel_id":"sora","connection_id":"`+connA+`","reason":{"type":"normal"}}`); r.status != 200 {
		t.Fatalf("disconnect: %d %s", r.status, r.body)
	}
	if r := do(t, http.MethodDelete, srv.URL+"emulator/connections/sora/"+connB, "", ""); r.status != 204 {
		t.Fatalf("delete: %d", r.status)
	}
	if r := call(t, srv.URL, target.DisconnectChannel, `{"channel_id":"gen"}`); r.status != 200 {
		t.Fatalf("disconnect channel: %d %s", r.status, r.body)
	}
	e.Reset() // other: destroyed
	closeEmu(t, e)

	events, headers := recv.snapshot()
	byConn := map[string][]string{}
	ids := map[string]bool{}
	for i, ev := range events {
		typ, conn := ev["type"].(string), ev["connection_id"].(string)
		byConn[conn] = append(byConn[conn], typ)
		h := headers[i]
		if h.Get("sora-event-webhook-type") != typ || h.Get("sora-connection-id") != conn ||
			h.Get("sora-session-id") != ev["session_id"] || h.Get("Content-Type") != "application/json" {
			t.Errorf("event %d: headers %v for %v", i, h, ev)
		}
		if user, pass, ok := (&http.Request{Header: h}).BasicAuth(); !ok || user != "sora" || pass != "s3cret" {
			t.Errorf("event %d: basic auth %q %q %v", i, user, pass, ok)
		}
		id, _ := ev["id"].(string)
		if len(id) != 26 || ids[id] {
			t.Errorf("event %d: id %q (repeated %v)", i, id, ids[id])
		}
		ids[id] = true
		if ev["timestamp"] != "2023-11-14T22:13:20.000000Z" || ev["session_id"] == "" || ev["channel_id"] == "" {
			t.Errorf("event %d: %v", i, ev)
		}
	}
	want := map[string][]string{
		connA: {webhook.ConnectionCreated, webhook.ConnectionUpdated, webhook.ConnectionDestroyed},
		connB: {webhook.ConnectionCreated, webhook.ConnectionDestroyed},
		connC: {webhook.ConnectionCreated, webhook.ConnectionDestroyed},
	}
	for _, id := range gen {
		want[id] = []string{webhook.ConnectionCreated, webhook.ConnectionDestroyed}
	}
	for conn, w := range want {
		if got := byConn[conn]; strings.Join(got, ",") != strings.Join(w, ",") {
			t.Errorf("%s: events %v, want %v in this order", conn, got, w)
		}
	}
	if len(events) != 2*6+1 {
		t.Errorf("%d events, want 13", len(events))
	}
	for _, ev := range events {
		if ev["connection_id"] == connA && ev["type"] == webhook.ConnectionCreated {
			if ev["client_id"] != "alice" || ev["role"] != "sendrecv" || ev["metadata"].(map[string]any)["seat"] != 3.0 {
				t.Errorf("created event of %s: %v", connA, ev)
			}
		}
	}
	st := e.WebhookStats()
	if st.Sent != 13 || st.Retried != 13 || st.Failed != 0 || st.Pending != 0 {
		t.Errorf("stats %+v: want 13 sent, each after one 503", st)
	}
}

func TestEventWebhookGivesUp(t *testing.T) {
	recv := &hookRecv{failFirst: webhook.Attempts}
	hs := httptest.NewServer(recv)
	defer hs.Close()
	e := New(Options{EventWebhookURL: hs.URL, EventWebhookUser: "u", EventWebhookPassword: "p"})
	mustAdd(t, e, Connection{ChannelID: "sora", ConnectionID: connA})
	closeEmu(t, e)
	if st := e.WebhookStats(); st.Failed != 1 || st.Sent != 0 || st.Retried != webhook.Attempts-1 {
		t.Errorf("stats %+v", st)
	}
}
