package notify

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// results counts the results OnDelivery reports.
type results struct {
	mu sync.Mutex
	m  map[string]int
}

func (r *results) add(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.m == nil {
		r.m = map[string]int{}
	}
	r.m[s]++
}

func (r *results) get(s string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.m[s]
}

func waitFor(t *testing.T, cond func() bool, what string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func TestDelivery(t *testing.T) {
	tests := []struct {
		name     string
		statuses []int // the receiver's answers, in order (then 200)
		want     string
		calls    int32
	}{
		{"ok at once", nil, "ok", 1},
		{"ok after two failures", []int{500, 503}, "ok", 3},
		{"failed after every attempt", []int{500, 500, 500, 500}, "failed", 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				n := int(calls.Add(1)) - 1
				if r.Header.Get("X-Token") != "k" || r.Header.Get("Content-Type") != "application/json" {
					w.WriteHeader(400)
					return
				}
				if n < len(tc.statuses) {
					w.WriteHeader(tc.statuses[n])
				}
			}))
			t.Cleanup(srv.Close)
			var res results
			n := New(Options{OnDelivery: res.add, Attempts: 3, Backoff: time.Millisecond})
			n.Send(Target{URL: srv.URL, Headers: map[string]string{"X-Token": "k"}}, Message{Event: "failed", Job: "j", Text: "x"})
			waitFor(t, func() bool { return res.get(tc.want) == 1 }, tc.want)
			if got := calls.Load(); got != tc.calls {
				t.Errorf("calls = %d, want %d", got, tc.calls)
			}
			n.Close(context.Background())
		})
	}
}

func TestSendNeverBlocks(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	var res results
	n := New(Options{OnDelivery: res.add, Queue: 2, Workers: 1})
	done := make(chan struct{})
	go func() {
		for range 5 {
			n.Send(Target{URL: srv.URL}, Message{Event: "failed", Job: "j"})
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Send blocked on a hanging receiver")
	}
	if got := res.get("dropped"); got != 3 {
		t.Errorf("dropped = %d, want 3 (2 in delivery)", got)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	n.Close(ctx) // abandons the two hanging deliveries
	if got := res.get("dropped"); got != 5 {
		t.Errorf("dropped after Close = %d, want 5", got)
	}
	n.Send(Target{URL: srv.URL}, Message{})
	if got := res.get("dropped"); got != 6 {
		t.Errorf("a Send after Close is not counted dropped: %d", got)
	}
}
