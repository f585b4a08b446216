package http_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"

	lhttp "github.com/soracron/soracron/bindings/http"
)

// server is a test server whose handler counts requests.
type server struct {
	*httptest.Server
	hits atomic.Int32
	host string // host:port
}

func newServer(t *testing.T, h http.HandlerFunc) *server {
	t.Helper()
	s := &server{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		h(w, r)
	}))
	t.Cleanup(s.Close)
	u, _ := url.Parse(s.URL)
	s.host = u.Host
	return s
}

// run runs src with the http module allowing allow and the global URL set
// to base; it returns the error of the run.
func run(t *testing.T, ctx context.Context, opts lhttp.Options, base, src string) error {
	t.Helper()
	L := lua.NewState()
	t.Cleanup(L.Close)
	if ctx != nil {
		L.SetContext(ctx)
	}
	opts.BackoffBase, opts.BackoffMax = time.Millisecond, 5*time.Millisecond
	L.PreloadModule("http", lhttp.New(opts).Loader)
	L.SetGlobal("URL", lua.LString(base))
	return L.DoString(`local http = require("http") ` + src)
}

func TestHTTPRequests(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		switch r.URL.Path {
		case "/echo":
			w.Header().Set("X-Method", r.Method)
			w.Header().Add("X-Multi", "a")
			w.Header().Add("X-Multi", "b")
			fmt.Fprintf(w, "%s %s %s", r.Method, r.Header.Get("X-Token"), body)
		case "/missing":
			http.Error(w, `{"error":"no such user"}`, http.StatusNotFound)
		}
	})
	opts := lhttp.Options{Allow: []string{"127.0.0.1"}}
	tests := []struct{ name, src string }{
		{"get", `local r = assert(http.get(URL .. "/echo", {headers = {["X-Token"] = "t1"}}))
			assert(r.status == 200 and r.body == "GET t1 " and r.headers["x-method"] == "GET" and r.headers["x-multi"] == "a, b", r.body)`},
		{"post", `local r = assert(http.post(URL .. "/echo", "payload", {headers = {["content-type"] = "text/plain"}}))
			assert(r.body == "POST  payload", r.body)`},
		{"request", `local r = assert(http.request("put", URL .. "/echo", {body = "x"})) assert(r.body == "PUT  x", r.body)`},
		{"error reply", `local r, err = http.get(URL .. "/missing")
			assert(r == nil and err.type == "http_error" and err.status == 404 and err.op == "http.get")
			assert(err.body:find("no such user", 1, true) and tostring(err):find("status 404", 1, true), tostring(err))`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := run(t, nil, opts, srv.URL, tt.src); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestHTTPAllow(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	_, port, _ := strings.Cut(srv.host, ":")
	tests := []struct {
		name    string
		allow   []string
		wantErr string // "" when the request is sent
	}{
		{"host", []string{"127.0.0.1"}, ""},
		{"host and port", []string{"127.0.0.1:" + port}, ""},
		{"case", []string{"127.0.0.1", "CRM.example.com"}, ""},
		{"off", nil, `http.get: host "127.0.0.1" is not allowed: http is off (allow hosts with http.allow in jobs.yaml, or --allow-http HOST on soracron run)`},
		{"other host", []string{"crm.example.com"}, `http.get: host "127.0.0.1" is not allowed (allowed: crm.example.com; add it with http.allow in jobs.yaml`},
		{"other port", []string{"127.0.0.1:1"}, `is not allowed`},
		{"wildcard does not match the bare domain", []string{"*.0.0.1"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := srv.hits.Load()
			err := run(t, nil, lhttp.Options{Allow: tt.allow}, srv.URL, `assert(http.get(URL))`)
			sent := srv.hits.Load() > before
			switch {
			case tt.wantErr == "" && (err != nil || !sent):
				t.Fatalf("got %v (sent %v), want the request sent", err, sent)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("got %v, want an error containing %q", err, tt.wantErr)
			case tt.wantErr != "" && sent:
				t.Fatal("the request was sent")
			}
		})
	}
	t.Run("scheme", func(t *testing.T) {
		err := run(t, nil, lhttp.Options{Allow: []string{"127.0.0.1"}}, srv.URL, `http.get("file:///etc/passwd")`)
		if err == nil || !strings.Contains(err.Error(), "want an http:// or https:// URL") {
			t.Fatalf("got %v", err)
		}
	})
}

func TestHTTPRedirects(t *testing.T) {
	other := newServer(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "other") })
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/away":
			http.Redirect(w, r, other.URL+"/", http.StatusFound)
		case "/here":
			http.Redirect(w, r, "/done", http.StatusFound)
		default:
			io.WriteString(w, "done")
		}
	})
	opts := lhttp.Options{Allow: []string{srv.host}}
	if err := run(t, nil, opts, srv.URL, `assert(assert(http.get(URL .. "/here")).body == "done")`); err != nil {
		t.Errorf("redirect to the same host: %v", err)
	}
	err := run(t, nil, opts, srv.URL, `local r, err = http.get(URL .. "/away")
		assert(r == nil and err.type == "redirect", tostring(err)) error(tostring(err))`)
	if err == nil || !strings.Contains(err.Error(), "redirect to "+other.host+", a host not allowed") {
		t.Errorf("got %v", err)
	}
	if other.hits.Load() != 0 {
		t.Error("the redirect to a host not allowed was followed")
	}
}

func TestHTTPRetries(t *testing.T) {
	var fail atomic.Int32
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if fail.Add(-1) >= 0 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, "ok")
	})
	opts := lhttp.Options{Allow: []string{"127.0.0.1"}}
	tests := []struct {
		name     string
		failures int32
		src      string
		hits     int32
	}{
		{"get retried", 2, `assert(http.get(URL))`, 3},
		{"get gives up", 5, `local r, err = http.get(URL) assert(err.status == 503 and err.message:find("after 3 attempts"), tostring(err))`, 3},
		{"attempts option", 5, `local r, err = http.get(URL, {attempts = 1}) assert(r == nil and err.status == 503)`, 1},
		{"post not retried", 1, `local r, err = http.post(URL, "x") assert(r == nil and err.status == 503)`, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fail.Store(tt.failures)
			before := srv.hits.Load()
			if err := run(t, nil, opts, srv.URL, tt.src); err != nil {
				t.Fatal(err)
			}
			if got := srv.hits.Load() - before; got != tt.hits {
				t.Errorf("%d requests, want %d", got, tt.hits)
			}
		})
	}
}

func TestHTTPLimits(t *testing.T) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/big":
			io.WriteString(w, strings.Repeat("x", 2000))
		case "/slow":
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}
	})
	opts := lhttp.Options{Allow: []string{"127.0.0.1"}, MaxBodyBytes: 1000, Attempts: 1}
	t.Run("body cap", func(t *testing.T) {
		if err := run(t, nil, opts, srv.URL, `local r, err = http.get(URL .. "/big")
			assert(r == nil and err.type == "too_large", tostring(err))`); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("per-request timeout", func(t *testing.T) {
		start := time.Now()
		if err := run(t, nil, opts, srv.URL, `local r, err = http.get(URL .. "/slow", {timeout = 0.1})
			assert(r == nil and err.type == "timeout", tostring(err))`); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("took %v", d)
		}
	})
	t.Run("run's context", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		start := time.Now()
		// The request returns nil, err; the script then stops at its next
		// instruction, as the run has ended.
		err := run(t, ctx, opts, srv.URL, `local r, err = http.get(URL .. "/slow", {timeout = 60})
			assert(r == nil and err.type == "timeout" and err.message:find("the run ended"), tostring(err))`)
		if err == nil || !strings.Contains(err.Error(), "context deadline exceeded") {
			t.Fatalf("got %v, want the run's end", err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("took %v", d)
		}
	})
	t.Run("bad option", func(t *testing.T) {
		err := run(t, nil, opts, srv.URL, `http.get(URL, {timout = 1})`)
		if err == nil || !strings.Contains(err.Error(), `unknown option "timout"`) {
			t.Fatalf("got %v", err)
		}
	})
}

func TestHTTPRedaction(t *testing.T) {
	const token = "s3cr3t-t0ken-value"
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "bad token "+strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")+" for "+r.URL.RawQuery, http.StatusForbidden)
	})
	err := run(t, nil, lhttp.Options{Allow: []string{"127.0.0.1"}}, srv.URL,
		`local r, err = http.get(URL .. "/x?key=querysecret", {headers = {Authorization = "Bearer `+token+`"}}) error(tostring(err) .. " | " .. err.body .. " | " .. err.url)`)
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	if strings.Contains(msg, token) || strings.Contains(msg, "querysecret") {
		t.Errorf("secret in the error: %s", msg)
	}
	if !strings.Contains(msg, "bad token [REDACTED]") || !strings.Contains(msg, "/x?[REDACTED]") || !strings.Contains(msg, "for key=[REDACTED]") {
		t.Errorf("want the redacted forms in %s", msg)
	}
}
