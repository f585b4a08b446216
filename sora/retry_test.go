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

	"github.com/soracron/soracron/emulator"
	"github.com/soracron/soracron/sora"
)

// sideEffects starts an emulator with two connections in "sora" and the
// given faults, and returns it with its URL.
func sideEffects(t *testing.T, faults emulator.Faults) (*emulator.Emulator, string) {
	t.Helper()
	e := emulator.New(emulator.Options{Faults: faults})
	for _, id := range []string{confA, confB} {
		if _, err := e.AddConnection(emulator.Connection{ChannelID: "sora", ConnectionID: id}); err != nil {
			t.Fatal(err)
		}
	}
	srv, err := emulator.Start(e, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return e, srv.URL
}

// TestRetryClasses drives each retry class against the emulator's "apply,
// then drop the reply" fault: the request is applied and the client cannot
// know it.
func TestRetryClasses(t *testing.T) {
	ctx := context.Background()
	dropAll := emulator.Faults{Rules: []emulator.FaultRule{{DropAfterApplyRate: 1}}}
	push := map[string]any{"channel_id": "sora", "data": map[string]any{"m": 1}}
	disconnect := map[string]any{"channel_id": "sora", "connection_id": confA, "reason": map[string]any{"type": "normal"}}
	tests := []struct {
		name       string
		policy     string
		target     string
		body       any
		attempts   int64  // HTTP attempts made
		deliveries int    // push messages delivered
		wantErr    string // "" = success
	}{
		{"push is delivered once by default", "", "PushChannel", push, 1, 1, "not retried: the request may have been applied"},
		{"push retried under all is delivered again", sora.RetryAmbiguousAll, "PushChannel", push, 3, 3, "after 3 attempts"},
		{"disconnect is not retried by default", "", "DisconnectConnection", disconnect, 1, 0, "retry class disconnect"},
		{"disconnect retried under all reports success", sora.RetryAmbiguousAll, "DisconnectConnection", disconnect, 2, 0, ""},
		{"put item is retried by default", "", "PutSignalingNotifyMetadataItem",
			map[string]any{"channel_id": "sora", "connection_id": confA, "key": "k", "value": 1}, 3, 0, "after 3 attempts"},
		{"put item under none is not retried", sora.RetryAmbiguousNone, "PutSignalingNotifyMetadataItem",
			map[string]any{"channel_id": "sora", "connection_id": confA, "key": "k", "value": 1}, 1, 0, "retry_ambiguous is none"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, url := sideEffects(t, dropAll)
			var attempts atomic.Int64
			c, err := sora.New(sora.Config{URL: url, RetryAmbiguous: tt.policy, BackoffBase: time.Millisecond, BackoffMax: 2 * time.Millisecond,
				OnRequest: func(sora.RequestInfo) { attempts.Add(1) }})
			if err != nil {
				t.Fatal(err)
			}
			reply, err := c.Call(ctx, tt.target, tt.body)
			if got := attempts.Load(); got != tt.attempts {
				t.Errorf("%d attempts, want %d", got, tt.attempts)
			}
			if got := len(e.Deliveries("sora")); got != tt.deliveries {
				t.Errorf("%d deliveries, want %d", got, tt.deliveries)
			}
			if tt.wantErr == "" {
				if err != nil || string(reply) != "null" {
					t.Fatalf("reply %s, err %v; want success (null)", reply, err)
				}
			} else if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err %v, want it to contain %q", err, tt.wantErr)
			}
			if tt.target == "DisconnectConnection" {
				if _, ok := e.Metadata("sora", confA); ok {
					t.Error("the connection is still there: the disconnect was not applied")
				}
			}
		})
	}
}

// TestRetryNotApplied: failures that prove the request was not applied are
// retried for every class, a push included.
func TestRetryNotApplied(t *testing.T) {
	ctx := context.Background()
	push := map[string]any{"channel_id": "sora", "data": map[string]any{"m": 1}}
	t.Run("connection refused", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		url := "http://" + ln.Addr().String() + "/"
		ln.Close()
		var attempts atomic.Int64
		c := newClient(t, url, func(c *sora.Config) { c.OnRequest = func(sora.RequestInfo) { attempts.Add(1) } })
		if _, err := c.Call(ctx, "PushChannel", push); err == nil || attempts.Load() != 3 {
			t.Errorf("%d attempts (%v), want 3", attempts.Load(), err)
		}
	})
	for _, status := range []string{"503", "429"} {
		t.Run(status, func(t *testing.T) {
			f := &flaky{fail: 2, mode: status}
			srv := httptest.NewServer(f)
			defer srv.Close()
			c := newClient(t, srv.URL, nil)
			if _, err := c.Call(ctx, "PushChannel", push); err != nil || f.calls.Load() != 3 {
				t.Errorf("%d calls, err %v; want success on the third", f.calls.Load(), err)
			}
		})
	}
	t.Run("502 from a proxy is ambiguous for a push", func(t *testing.T) {
		f := &flaky{fail: 2, mode: "text"}
		srv := httptest.NewServer(f)
		defer srv.Close()
		c := newClient(t, srv.URL, nil)
		if _, err := c.Call(ctx, "PushChannel", push); err == nil || f.calls.Load() != 1 {
			t.Errorf("%d calls, err %v; want one, not retried", f.calls.Load(), err)
		}
	})
}

func TestRetryAmbiguousPolicyName(t *testing.T) {
	if _, err := sora.New(sora.Config{URL: "http://127.0.0.1:1/", RetryAmbiguous: "sometimes"}); err == nil ||
		!strings.Contains(err.Error(), `retry_ambiguous "sometimes": want auto, all or none`) {
		t.Errorf("err %v", err)
	}
}

func TestRetryClassOf(t *testing.T) {
	for target, want := range map[string]sora.RetryClass{
		sora.TargetPutItem:                      sora.RetryIdempotent,
		sora.TargetList:                         sora.RetryIdempotent,
		"Sora_20201013.ListConnections":         sora.RetryIdempotent,
		"Sora_20160711.PushChannel":             sora.RetryOnce,
		"Sora_20201120.PushChannelByRole":       sora.RetryOnce,
		"Sora_20151104.DisconnectClient":        sora.RetryDisconnect,
		"Sora_20201120.DisconnectChannelByRole": sora.RetryDisconnect,
		"Sora_20231220.StartRecording":          sora.RetryOnce,
		"Sora_20231220.GetSession":              sora.RetryIdempotent,
	} {
		if got := sora.RetryClassOf(target); got != want {
			t.Errorf("%s: %s, want %s", target, got, want)
		}
	}
}

// TestRetryAfterCapped: a Retry-After of 100000 s is capped, and the final
// error says it was a 429 and that the wait was capped; a wait past the
// context's deadline is not made.
func TestRetryAfterCapped(t *testing.T) {
	ctx := context.Background()
	t.Run("capped", func(t *testing.T) {
		f := &flaky{fail: -1, mode: "429", retryAfter: "100000"}
		srv := httptest.NewServer(f)
		defer srv.Close()
		c := newClient(t, srv.URL, func(c *sora.Config) { c.MaxRetryAfter = 20 * time.Millisecond })
		start := time.Now()
		_, err := c.Call(ctx, "ListChannels", nil)
		if took := time.Since(start); took > 2*time.Second {
			t.Errorf("took %v", took)
		}
		for _, want := range []string{"status 429", "after 3 attempts", "Retry-After 27h46m40s capped at 20ms"} {
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("err %v, want it to contain %q", err, want)
			}
		}
	})
	t.Run("past the deadline", func(t *testing.T) {
		f := &flaky{fail: -1, mode: "429", retryAfter: "100000"}
		srv := httptest.NewServer(f)
		defer srv.Close()
		c := newClient(t, srv.URL, nil) // default cap: 10s
		dctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := c.Call(dctx, "ListChannels", nil)
		if took := time.Since(start); took > 400*time.Millisecond {
			t.Errorf("took %v: waited for the deadline instead of failing at once", took)
		}
		if err == nil || !strings.Contains(err.Error(), "status 429") || !strings.Contains(err.Error(), "would end after the deadline") {
			t.Errorf("err %v", err)
		}
		if f.calls.Load() != 1 {
			t.Errorf("%d calls", f.calls.Load())
		}
	})
}

// recorder is a server that records every request it receives.
type recorder struct {
	mu   sync.Mutex
	reqs []*http.Request
	body []string
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	b := new(strings.Builder)
	_, _ = io.Copy(b, req.Body)
	r.mu.Lock()
	r.reqs = append(r.reqs, req)
	r.body = append(r.body, b.String())
	r.mu.Unlock()
	w.WriteHeader(200)
	_, _ = w.Write([]byte(`{"stolen":true}`))
}

// TestRedirectNotFollowed: a redirect is reported with its Location, and
// nothing (body, custom headers, credentials) reaches the other host.
func TestRedirectNotFollowed(t *testing.T) {
	other := &recorder{}
	elsewhere := httptest.NewServer(other)
	defer elsewhere.Close()
	for _, status := range []int{301, 302, 303, 307, 308} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			var calls atomic.Int32
			proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				http.Redirect(w, r, elsewhere.URL+"/api", status)
			}))
			defer proxy.Close()
			c := newClient(t, proxy.URL, func(c *sora.Config) {
				c.Headers = http.Header{"Authorization": {"Bearer s3cret"}, "X-Api-Key": {"k3y"}}
			})
			_, err := c.Call(context.Background(), "PutSignalingNotifyMetadataItem",
				map[string]any{"channel_id": "sora", "connection_id": confA, "key": "k", "value": 1})
			var ae *sora.APIError
			if !errors.As(err, &ae) || ae.Status != status || ae.Type != sora.ErrTypeRedirect || ae.Location != elsewhere.URL+"/api" {
				t.Fatalf("err %#v", err)
			}
			if want := "redirected to " + elsewhere.URL + "/api: fix the URL"; !strings.Contains(err.Error(), want) {
				t.Errorf("err %v, want it to contain %q", err, want)
			}
			if calls.Load() != 1 {
				t.Errorf("%d requests to the redirecting server: a redirect is not retried", calls.Load())
			}
		})
	}
	other.mu.Lock()
	defer other.mu.Unlock()
	if len(other.reqs) != 0 {
		t.Errorf("the other host received %d requests (first: %v %v)", len(other.reqs), other.reqs[0].Header, other.body[0])
	}
}

// TestErrorKeepsEveryField: an error reply's fields, known or not, are kept.
func TestErrorKeepsEveryField(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(400)
		_, _ = w.Write([]byte(`{"error_type":"invalid_params","message":"bad","error_reason":"channel_id too long","limit":{"bytes":255}}`))
	}))
	defer srv.Close()
	_, err := newClient(t, srv.URL, nil).Call(context.Background(), "ListChannels", nil)
	var ae *sora.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("err %#v", err)
	}
	if ae.Type != "invalid_params" || ae.Message != "bad" || ae.Fields["error_reason"] != "channel_id too long" ||
		ae.Fields["limit"].(map[string]any)["bytes"] != json.Number("255") {
		t.Errorf("fields %#v", ae.Fields)
	}
	if !strings.Contains(string(ae.Body), `"error_reason":"channel_id too long"`) {
		t.Errorf("body %s", ae.Body)
	}
}

// TestEmptyReplyIsNull: a 2xx with no body, or null, is the value null.
func TestEmptyReplyIsNull(t *testing.T) {
	for name, body := range map[string]string{"empty": "", "null": "null", "whitespace": " \n"} {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(200)
				_, _ = w.Write([]byte(body))
			}))
			defer srv.Close()
			c := newClient(t, srv.URL, nil)
			reply, err := c.Call(context.Background(), "DisconnectChannel", map[string]any{"channel_id": "sora"})
			if err != nil || strings.TrimSpace(string(reply)) != "null" {
				t.Errorf("reply %q, err %v", reply, err)
			}
			md, err := c.Get(context.Background(), "sora", confA)
			if err != nil || md == nil || len(md) != 0 {
				t.Errorf("Get: %v, %v; want {}", md, err)
			}
		})
	}
}
