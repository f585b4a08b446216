package sora_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/soracron/soracron/sora"
)

// listReply is a List reply of n connections.
func listReply(n int) string {
	var b strings.Builder
	b.WriteByte('[')
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"client_id":"c%d","bundle_id":"b","connection_id":"C%d","metadata":{"n":%d}}`, i, i, i)
	}
	b.WriteByte(']')
	return b.String()
}

// TestStream checks the streamed reads (List, Stream): the size cap,
// what is retried and what is not, and the empty reply.
func TestStream(t *testing.T) {
	reply := listReply(1000)
	tests := []struct {
		name    string
		handler func(w http.ResponseWriter)
		max     int64
		err     string // "" for success
		calls   int32
	}{
		{name: "within the cap", max: int64(len(reply)), calls: 1,
			handler: func(w http.ResponseWriter) { _, _ = io.WriteString(w, reply) }},
		{name: "over the cap", max: int64(len(reply)) - 1, calls: 1,
			err:     fmt.Sprintf("reply too large: over %d bytes (raise --max-reply-size or sora.max_reply_size)", len(reply)-1),
			handler: func(w http.ResponseWriter) { _, _ = io.WriteString(w, reply) }},
		{name: "bad JSON is not retried", calls: 1, err: "decode reply: unexpected EOF",
			handler: func(w http.ResponseWriter) { _, _ = io.WriteString(w, `[{"client_id":`) }},
		{name: "data after the value", calls: 1, err: "decode reply: data after the reply's value",
			handler: func(w http.ResponseWriter) { _, _ = io.WriteString(w, `[] [`) }},
		{name: "cut reply is retried", calls: 3, err: "read reply (status 200): unexpected EOF (after 3 attempts)",
			handler: func(w http.ResponseWriter) {
				w.Header().Set("Content-Length", "100000")
				_, _ = io.WriteString(w, reply[:1000])
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				calls.Add(1)
				tt.handler(w)
			}))
			defer srv.Close()
			c := newClient(t, srv.URL, func(c *sora.Config) { c.MaxResponseBytes = tt.max })
			conns, err := c.List(context.Background(), "sora")
			switch {
			case tt.err == "" && err != nil:
				t.Fatal(err)
			case tt.err == "" && (len(conns) != 1000 || conns[999].ConnectionID != "C999" || fmt.Sprint(conns[999].Metadata["n"]) != "999"):
				t.Fatalf("listed %d connections, last %+v", len(conns), conns[len(conns)-1])
			case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
				t.Fatalf("error %v, want %q", err, tt.err)
			}
			if calls.Load() != tt.calls {
				t.Errorf("%d requests, want %d", calls.Load(), tt.calls)
			}
		})
	}
	t.Run("empty reply is null", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, " \n") }))
		defer srv.Close()
		c := newClient(t, srv.URL, nil)
		var got string
		err := c.Stream(context.Background(), "ListChannels", nil, func(r io.Reader) error {
			b, err := io.ReadAll(r)
			got = string(b)
			return err
		})
		if err != nil || got != "null" {
			t.Fatalf("read %q, %v; want null", got, err)
		}
	})
}

// TestStreamTimeout checks that the request timeout bounds each wait for
// a streamed reply, not the whole reply: a reply that keeps coming is read
// to its end however long it takes, one that stalls fails.
func TestStreamTimeout(t *testing.T) {
	reply := listReply(200)
	slow := func(gap time.Duration, stallAfter int) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			const chunks = 10
			step := len(reply)/chunks + 1
			for i := 0; i < len(reply); i += step {
				if i/step == stallAfter {
					<-r.Context().Done()
					return
				}
				_, _ = io.WriteString(w, reply[i:min(i+step, len(reply))])
				w.(http.Flusher).Flush()
				time.Sleep(gap)
			}
		}
	}
	t.Run("steady reply longer than the timeout", func(t *testing.T) {
		srv := httptest.NewServer(slow(150*time.Millisecond, -1))
		defer srv.Close()
		// 10 chunks 150ms apart: the whole reply takes 1.5s, over the
		// 1s timeout, each wait far under it.
		c := newClient(t, srv.URL, func(c *sora.Config) { c.Timeout = time.Second; c.Attempts = 1 })
		conns, err := c.List(context.Background(), "sora")
		if err != nil || len(conns) != 200 {
			t.Fatalf("listed %d, %v", len(conns), err)
		}
	})
	t.Run("stalled reply", func(t *testing.T) {
		srv := httptest.NewServer(slow(0, 3))
		defer srv.Close()
		c := newClient(t, srv.URL, func(c *sora.Config) { c.Timeout = 200 * time.Millisecond; c.Attempts = 1 })
		_, err := c.List(context.Background(), "sora")
		if err == nil || !strings.Contains(err.Error(), "reply stalled, nothing more within 200ms") {
			t.Fatalf("error %v, want a stall", err)
		}
	})
}
