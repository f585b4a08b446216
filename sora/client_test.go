package sora_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/soracron/soracron/sora"
)

// flaky is a test Sora server that fails the first `fail` attempts in the
// given way, then answers {"ok": 1}.
type flaky struct {
	fail       int32
	mode       string // "503", "429", "reset", "400", "500", "hang"
	retryAfter string
	calls      atomic.Int32
	mu         sync.Mutex
	seen       []http.Header
}

func (f *flaky) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := f.calls.Add(1)
	f.mu.Lock()
	f.seen = append(f.seen, r.Header.Clone())
	f.mu.Unlock()
	_, _ = io.Copy(io.Discard, r.Body)
	if n <= f.fail || f.fail < 0 {
		switch f.mode {
		case "reset":
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				if tc, ok := conn.(*net.TCPConn); ok {
					_ = tc.SetLinger(0)
				}
				conn.Close()
			}
			return
		case "hang":
			<-r.Context().Done()
			return
		case "429":
			if f.retryAfter != "" {
				w.Header().Set("Retry-After", f.retryAfter)
			}
			w.WriteHeader(429)
			_, _ = w.Write([]byte(`{"error_type":"too_many_requests","message":"slow down"}`))
			return
		case "text":
			w.WriteHeader(502)
			_, _ = w.Write([]byte("<html>Bad Gateway</html>"))
			return
		default:
			code := map[string]int{"503": 503, "400": 400, "500": 500}[f.mode]
			w.WriteHeader(code)
			_, _ = w.Write([]byte(`{"error_type":"x_` + f.mode + `","message":"failing"}`))
			return
		}
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"ok": 9007199254740993}`))
}

func newClient(t *testing.T, url string, mod func(*sora.Config)) *sora.Client {
	t.Helper()
	cfg := sora.Config{URL: url, BackoffBase: time.Millisecond, BackoffMax: 5 * time.Millisecond, Timeout: 2 * time.Second}
	if mod != nil {
		mod(&cfg)
	}
	c, err := sora.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestRetries(t *testing.T) {
	tests := []struct {
		name      string
		mode      string
		fail      int32
		attempts  int
		wantCalls int32
		wantErr   string // substring; "" = success
		wantAPI   int    // status of *APIError, 0 = not an API error
	}{
		{"503 then success", "503", 2, 3, 3, "", 0},
		{"503 past budget", "503", 3, 3, 3, "status 503 x_503: failing", 503},
		{"reset then success", "reset", 2, 3, 3, "", 0},
		{"reset past budget", "reset", 5, 2, 2, "Sora_20201013.ListChannels:", 0},
		{"429 then success", "429", 1, 3, 2, "", 0},
		{"400 is not retried", "400", 1, 3, 1, "status 400 x_400", 400},
		{"500 is not retried", "500", 1, 3, 1, "status 500", 500},
		{"non-JSON 502 keeps body", "text", 9, 2, 2, `"<html>Bad Gateway</html>"`, 502},
		{"one attempt means no retry", "503", 1, 1, 1, "status 503", 503},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &flaky{fail: tt.fail, mode: tt.mode}
			srv := httptest.NewServer(f)
			defer srv.Close()
			c := newClient(t, srv.URL, func(c *sora.Config) { c.Attempts = tt.attempts })
			reply, err := c.Call(context.Background(), "ListChannels", map[string]any{"local": true})
			if got := f.calls.Load(); got != tt.wantCalls {
				t.Errorf("server saw %d attempts, want %d", got, tt.wantCalls)
			}
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				if string(reply) != `{"ok": 9007199254740993}` {
					t.Fatalf("reply = %s", reply)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want it to contain %q", err, tt.wantErr)
			}
			var ae *sora.APIError
			if tt.wantAPI != 0 {
				if !errors.As(err, &ae) || ae.Status != tt.wantAPI || ae.Target != "Sora_20201013.ListChannels" {
					t.Fatalf("want *APIError status %d, got %#v", tt.wantAPI, err)
				}
				if tt.mode == "text" && string(ae.Body) != "<html>Bad Gateway</html>" {
					t.Fatalf("raw body = %q", ae.Body)
				}
			} else {
				var te *sora.TransportError
				if !errors.As(err, &te) || te.Target != "Sora_20201013.ListChannels" {
					t.Fatalf("want *TransportError with target, got %#v", err)
				}
			}
		})
	}
}

func TestRetryAfterIsHonoured(t *testing.T) {
	f := &flaky{fail: 1, mode: "429", retryAfter: "1"}
	srv := httptest.NewServer(f)
	defer srv.Close()
	c := newClient(t, srv.URL, nil)
	start := time.Now()
	if _, err := c.Call(context.Background(), "ListChannels", nil); err != nil {
		t.Fatal(err)
	}
	// The backoff alone would wait at most 5ms; Retry-After asks for 1s.
	if waited := time.Since(start); waited < 900*time.Millisecond {
		t.Fatalf("retried after %v, before the server's Retry-After of 1s", waited)
	}
}

func TestCancelledContextStopsRetries(t *testing.T) {
	f := &flaky{fail: -1, mode: "503"}
	srv := httptest.NewServer(f)
	defer srv.Close()
	c := newClient(t, srv.URL, func(c *sora.Config) {
		c.Attempts = 1000
		c.BackoffBase, c.BackoffMax = time.Hour, time.Hour
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := c.Get(ctx, "sora", "X")
		done <- err
	}()
	for f.calls.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("error = %v, want context.Canceled", err)
		}
		if n := f.calls.Load(); n != 1 {
			t.Fatalf("%d attempts after cancel, want 1", n)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("cancel did not stop the retry wait")
	}
}

func TestCancelledContextStopsRequestInFlight(t *testing.T) {
	f := &flaky{fail: -1, mode: "hang"}
	srv := httptest.NewServer(f)
	defer srv.Close()
	c := newClient(t, srv.URL, func(c *sora.Config) { c.Timeout = time.Hour })
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := c.Get(ctx, "sora", "X")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error = %v, want deadline exceeded", err)
	}
	if n := f.calls.Load(); n != 1 {
		t.Fatalf("%d attempts, want 1", n)
	}
}

func TestPerAttemptTimeoutIsRetried(t *testing.T) {
	f := &flaky{fail: 1, mode: "hang"}
	srv := httptest.NewServer(f)
	defer srv.Close()
	c := newClient(t, srv.URL, func(c *sora.Config) { c.Timeout = 500 * time.Millisecond })
	if _, err := c.Call(context.Background(), "ListChannels", json.RawMessage(nil)); err != nil {
		t.Fatalf("second attempt should succeed: %v", err)
	}
	if n := f.calls.Load(); n != 2 {
		t.Fatalf("%d attempts, want 2", n)
	}
}

func TestDeadServer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c := newClient(t, "http://"+addr+"/", func(c *sora.Config) { c.Attempts = 2 })
	var infos []sora.RequestInfo
	c2 := newClient(t, "http://"+addr+"/", func(c *sora.Config) {
		c.Attempts = 2
		c.OnRequest = func(ri sora.RequestInfo) { infos = append(infos, ri) }
	})
	for _, cl := range []*sora.Client{c, c2} {
		_, err = cl.List(context.Background(), "sora")
		var te *sora.TransportError
		if !errors.As(err, &te) || te.Target != sora.TargetList || !strings.Contains(err.Error(), "connection refused") {
			t.Fatalf("error = %v, want a TransportError naming the target and the refusal", err)
		}
	}
	if len(infos) != 2 || infos[1].Attempt != 2 || infos[0].Status != 0 || infos[0].Err == nil {
		t.Fatalf("OnRequest saw %+v, want two failed attempts", infos)
	}
}

func TestHeadersAndBody(t *testing.T) {
	var got struct {
		header http.Header
		body   map[string]any
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.header = r.Header.Clone()
		got.body = nil
		dec := json.NewDecoder(r.Body)
		dec.UseNumber()
		_ = dec.Decode(&got.body)
		_, _ = w.Write([]byte(`{"big": 9007199254740993, "n": null, "e": {}, "a": []}`))
	}))
	defer srv.Close()
	c := newClient(t, srv.URL, func(c *sora.Config) {
		c.Headers = http.Header{"Authorization": {"Bearer s3cret"}}
	})
	md, err := c.PutItem(context.Background(), "sora", "C1", "k", json.Number("9007199254740993"), true)
	if err != nil {
		t.Fatal(err)
	}
	if got.header.Get("Authorization") != "Bearer s3cret" || got.header.Get("X-Sora-Target") != sora.TargetPutItem ||
		got.header.Get("Content-Type") != "application/json" {
		t.Fatalf("headers = %v", got.header)
	}
	if got.body["value"] != json.Number("9007199254740993") || got.body["push"] != true || got.body["key"] != "k" {
		t.Fatalf("body = %v", got.body)
	}
	if md["big"] != json.Number("9007199254740993") {
		t.Fatalf("big number was not kept exactly: %#v", md["big"])
	}
	if v, ok := md["n"]; !ok || v != nil {
		t.Fatalf("null value lost: %#v", md)
	}
	if _, ok := md["e"].(map[string]any); !ok {
		t.Fatalf("empty object became %T", md["e"])
	}
	if a, ok := md["a"].([]any); !ok || len(a) != 0 {
		t.Fatalf("empty array became %T", md["a"])
	}
	// push false is omitted, as in the vendor's examples.
	if _, err := c.DeleteItem(context.Background(), "sora", "C1", "k", false); err != nil {
		t.Fatal(err)
	}
	if _, ok := got.body["push"]; ok {
		t.Fatalf("push:false was sent: %v", got.body)
	}
	// Call with no body sends {} whatever nil it is given.
	for _, body := range []any{nil, json.RawMessage(nil), []byte(nil)} {
		if _, err := c.Call(context.Background(), "ListChannels", body); err != nil {
			t.Fatal(err)
		}
		if got.body == nil || len(got.body) != 0 {
			t.Fatalf("Call(%#v) sent %v, want {}", body, got.body)
		}
	}
}

func TestMaxResponseBytes(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		_, _ = w.Write([]byte(`{"a":"` + strings.Repeat("x", 2048) + `"}`))
	}))
	defer srv.Close()
	c := newClient(t, srv.URL, func(c *sora.Config) { c.MaxResponseBytes = 1024 })
	_, err := c.Get(context.Background(), "sora", "C")
	if err == nil || !strings.Contains(err.Error(), "over 1024 bytes") {
		t.Fatalf("error = %v, want a size error", err)
	}
	if calls.Load() != 1 {
		t.Fatalf("an oversized reply was retried %d times", calls.Load())
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct{ name, url, want string }{
		{"empty", "", "no URL"},
		{"no scheme", "127.0.0.1:3000", "want http://"},
		{"ftp", "ftp://x/", "want http://"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := sora.New(sora.Config{URL: tt.url})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want %q", err, tt.want)
			}
		})
	}
	if _, err := sora.New(sora.Config{URL: "http://x/", CAFile: "/nonexistent/ca.pem"}); err == nil || !strings.Contains(err.Error(), "ca file") {
		t.Fatalf("missing CA file: %v", err)
	}
	if _, err := sora.New(sora.Config{URL: "http://x/", CertFile: "c.pem"}); err == nil || !strings.Contains(err.Error(), "both") {
		t.Fatalf("cert without key: %v", err)
	}
}

func TestFullTarget(t *testing.T) {
	tests := []struct{ in, want, err string }{
		{"ListChannels", "Sora_20201013.ListChannels", ""},
		{"PutSignalingNotifyMetadataItem", sora.TargetPutItem, ""},
		{"Sora_20990101.Anything", "Sora_20990101.Anything", ""},
		{"GetStatsReport", "", "give its full name"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := sora.FullTarget(tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error = %v", err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %q, %v", got, err)
			}
		})
	}
}
