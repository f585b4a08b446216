package cli_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/soracron/soracron/cli"
)

func TestEmulatorEventWebhookFlag(t *testing.T) {
	var mu sync.Mutex
	var got []string
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ev struct {
			Type         string `json:"type"`
			ConnectionID string `json:"connection_id"`
		}
		b, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(b, &ev)
		user, pass, _ := r.BasicAuth()
		mu.Lock()
		got = append(got, r.URL.Path+" "+r.Header.Get("sora-event-webhook-type")+" "+ev.Type+" "+user+":"+pass)
		mu.Unlock()
	}))
	defer recv.Close()
	url := strings.Replace(recv.URL, "http://", "http://hook:pw@", 1) + "/webhooks/sora/event"
	run := startEmulator(t, "--listen", "127.0.0.1:0", "--generate", "sora=3", "--event-webhook-url", url)
	if stderr := strings.Join(run.lines, "\n"); !strings.Contains(stderr, "sending event webhooks to http://hook:xxxxx@") {
		t.Errorf("stderr does not name the webhook URL with its password hidden:\n%s", stderr)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n >= 3 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if code := run.stop(); code != cli.ExitOK {
		t.Errorf("exit code %d", code)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 3 {
		t.Fatalf("%d webhooks: %v", len(got), got)
	}
	for _, g := range got {
		if g != "/webhooks/sora/event connection.created connection.created hook:pw" {
			t.Errorf("webhook %q", g)
		}
	}
}

func TestEmulatorEventWebhookFlagInvalid(t *testing.T) {
	var stderr strings.Builder
	code := cli.Execute(t.Context(), []string{"emulator", "--listen", "127.0.0.1:0", "--event-webhook-url", "127.0.0.1:8080"},
		cli.App{Stdout: io.Discard, Stderr: &stderr})
	if code != cli.ExitUsage || !strings.Contains(stderr.String(), "--event-webhook-url: event webhook url \"127.0.0.1:8080\": want http://host:port/path") {
		t.Errorf("exit %d, stderr %s", code, stderr.String())
	}
}
