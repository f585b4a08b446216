package api

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/soracron/soracron/scheduler/history"
)

func TestEventWebhook(t *testing.T) {
	h := newHarness(t, jobsHeader+`
event_webhook: {username: sora, password: hook-pw, queue: 1}
jobs:
  - name: welcome
    on: [connection.created]
    script: scripts/sleep.lua
    args: {seconds: 30}
`)
	srv := httptest.NewServer(Handler(h.s, Options{Token: "t0ken"}))
	defer srv.Close()
	post := func(body string, hdr map[string]string, user, pass string) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+WebhookPath, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		if user != "" {
			req.SetBasicAuth(user, pass)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	created := `{"type":"connection.created","id":"E1","timestamp":"2025-01-01T00:00:00.000000Z","channel_id":"sora","connection_id":"C1","role":"sendrecv"}`
	tests := []struct {
		name       string
		body       string
		hdr        map[string]string
		user, pass string
		status     int
		want       string
	}{
		{"no authentication", created, nil, "", "", 401, "basic authentication"},
		{"wrong password", created, nil, "sora", "nope", 401, "basic authentication"},
		{"not JSON", `{`, nil, "sora", "hook-pw", 400, "JSON object"},
		{"cut short", `{"type":"connection.crea`, nil, "sora", "hook-pw", 400, "the JSON ended before the object was complete"},
		{"empty", ``, nil, "sora", "hook-pw", 400, "the body is empty"},
		{"a form post from a web page", created, map[string]string{"Content-Type": "text/plain"}, "sora", "hook-pw", 415, "application/json"},
		{"no type anywhere", `{"id":"X"}`, nil, "sora", "hook-pw", 400, "no event type"},
		{"accepted", created, nil, "sora", "hook-pw", 200, `"accepted"`},
		{"duplicate", created, nil, "sora", "hook-pw", 200, `"duplicate"`},
		{"type from the header; the queue is full", `{"id":"E2","connection_id":"C2","channel_id":"sora"}`,
			map[string]string{"sora-event-webhook-type": "connection.created"}, "sora", "hook-pw", 503, "event queue full (1 events waiting)"},
		{"an event no job runs on is accepted", `{"type":"connection.destroyed","id":"E3"}`, nil, "sora", "hook-pw", 200, `"accepted"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := post(tt.body, tt.hdr, tt.user, tt.pass)
			if status != tt.status || !strings.Contains(body, tt.want) {
				t.Errorf("%d %s, want %d containing %s", status, body, tt.status, tt.want)
			}
		})
	}
	h.waitRuns("welcome", 1, "running", outcomeIs(history.OutcomeRunning))
	runs := h.runs("welcome")
	if len(runs) != 1 || runs[0].Trigger != history.TriggerEvent {
		t.Errorf("runs %+v", runs)
	}
	// The rest of the API still wants the bearer token.
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/jobs", nil)
	req.SetBasicAuth("sora", "hook-pw")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 401 {
		t.Errorf("GET /api/jobs with the webhook's basic auth: %v %v", resp.StatusCode, err)
	}
}
