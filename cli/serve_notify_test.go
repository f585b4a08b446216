package cli_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// receiver is a webhook receiver that records the notifications.
type receiver struct {
	mu     sync.Mutex
	bodies []map[string]any
	hdrs   []http.Header
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	data, _ := io.ReadAll(req.Body)
	var v map[string]any
	_ = json.Unmarshal(data, &v)
	r.mu.Lock()
	r.bodies = append(r.bodies, v)
	r.hdrs = append(r.hdrs, req.Header.Clone())
	r.mu.Unlock()
}

func (r *receiver) got() []map[string]any {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]map[string]any(nil), r.bodies...)
}

// header returns the headers of the i-th notification received.
func (r *receiver) header(i int) http.Header {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.hdrs[i]
}

const notifyJobs = `
sora: {url: "{{url}}"}
notify:
  base_url: https://cron.example.com/
  webhooks:
    - url: "{{hang}}/hook"
    - url: "{{e500}}/hook"
jobs:
  - name: flip
    schedule: "@every 1s"
    script: scripts/flip.lua
    args: {channel_id: sora, connection_id: "{{conn}}"}
    notify:
      webhooks:
        - url: "{{ok}}/hook"
          headers: {X-Hook-Token: "${HOOK_TOKEN}"}
          on: [failed, recovered]
`

func TestServeNotifications(t *testing.T) {
	_, url, conn := serveEmulator(t)
	dir := serveDir(t)
	ok := &receiver{}
	okSrv := httptest.NewServer(ok)
	t.Cleanup(okSrv.Close)
	release := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(hang.Close)
	t.Cleanup(func() { close(release) })
	var fails atomic.Int32
	e500 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fails.Add(1)
		w.WriteHeader(500)
	}))
	t.Cleanup(e500.Close)
	yaml := strings.NewReplacer("{{hang}}", hang.URL, "{{e500}}", e500.URL, "{{ok}}", okSrv.URL).Replace(notifyJobs)
	jobs := writeServeJobs(t, dir, yaml, url, conn)
	s := startServeEnv(t, map[string]string{"HOOK_TOKEN": "hook-s3cret-token"}, "-c", jobs, "--listen", "127.0.0.1:0",
		"--state", filepath.Join(dir, "s.db"), "--shutdown-timeout", "1s")

	// The failure, then the recovery; later ok runs send nothing.
	deadline := time.Now().Add(15 * time.Second)
	for len(s.runs("flip")) < 5 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	// Deliveries are asynchronous: wait for the two expected.
	for deadline := time.Now().Add(15 * time.Second); len(ok.got()) < 2 && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	got := ok.got()
	if len(got) != 2 {
		t.Fatalf("notifications = %v, want a failure and a recovery", got)
	}
	fail, rec := got[0], got[1]
	if fail["event"] != "failed" || fail["job"] != "flip" || fail["outcome"] != "failed" ||
		!strings.Contains(fail["error"].(string), "first run fails") ||
		!strings.HasPrefix(fail["url"].(string), "https://cron.example.com/ui/runs/") ||
		!strings.Contains(fail["text"].(string), "soracron: job flip failed (run ") {
		t.Errorf("failure notification = %v", fail)
	}
	if rec["event"] != "recovered" || rec["outcome"] != "ok" || !strings.Contains(rec["text"].(string), "recovered") {
		t.Errorf("recovery notification = %v", rec)
	}
	if h := ok.header(0).Get("X-Hook-Token"); h != "hook-s3cret-token" {
		t.Errorf("X-Hook-Token = %q", h)
	}

	// A receiver that hangs and one that answers 500 delay no run: the runs
	// after the failure started on time. A delivery to the hanging receiver
	// lasts its 10 s timeout, so a run it held back would be later than
	// this bound, which leaves room for a loaded machine.
	const notifyBlock = 5 * time.Second
	var v struct {
		Runs []struct {
			Outcome          string
			Scheduled, Start time.Time
		}
	}
	s.get("/api/runs?job=flip&limit=1000", &v)
	for _, r := range v.Runs {
		if late := r.Start.Sub(r.Scheduled); late > notifyBlock {
			t.Errorf("run scheduled %s started %s late", r.Scheduled, late)
		}
	}
	deadline = time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if fails.Load() >= 2 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if fails.Load() < 2 {
		t.Error("the delivery to the receiver answering 500 was not retried")
	}
	// The counter moves once the receiver's answer is read.
	const delivered = `soracron_notifications_total{outcome="ok"} 2`
	code, body := getStatus(t, s.api+"/metrics", "")
	for deadline := time.Now().Add(10 * time.Second); code == 200 && !strings.Contains(body, delivered) && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
		code, body = getStatus(t, s.api+"/metrics", "")
	}
	if code != 200 || !strings.Contains(body, delivered) {
		t.Errorf("metrics: %d %s", code, grepLines(body, "soracron_notifications_total"))
	}
	s.stop()
	if strings.Contains(s.stderr.String(), "hook-s3cret-token") {
		t.Error("the webhook's header secret is in the daemon's log")
	}
}

// grepLines returns the lines of s containing sub.
func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
