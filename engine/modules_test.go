package engine_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/soracron/soracron/engine"
)

// TestModulesPreloaded: every module of engine.Modules loads in a run, and
// the modules that build strings follow Options.MaxStringBytes.
func TestModulesPreloaded(t *testing.T) {
	e := engine.New(engine.Options{MaxStringBytes: 1000})
	for _, name := range engine.Modules() {
		if name == "sora" {
			continue // needs a client; see the sora tests
		}
		t.Run(name, func(t *testing.T) {
			res, err := e.Run(context.Background(), engine.Request{Script: writeScript(t, `return type(require("`+name+`"))`)})
			if err != nil || res.Value != "table" {
				t.Fatalf("require(%q): %v, %v", name, res.Value, err)
			}
		})
	}
	limits := []struct{ name, src string }{
		{"strings", `require("strings").replace(string.rep("a", 600), "a", "bb")`},
		{"regexp", `require("regexp").gsub("a", string.rep("a", 600), "bb")`},
		{"base64", `require("base64").encode(string.rep("a", 900))`},
		{"hex", `require("hex").encode(string.rep("a", 600))`},
	}
	for _, tt := range limits {
		t.Run(tt.name+" limit", func(t *testing.T) {
			_, err := e.Run(context.Background(), engine.Request{Script: writeScript(t, tt.src)})
			if err == nil || !strings.Contains(err.Error(), "result too large (over the limit of 1000 bytes)") {
				t.Fatalf("got %v", err)
			}
		})
	}
}

// TestHTTPModule: the http module is off unless the request allows the
// host; an allowed request reaches the server.
func TestHTTPModule(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "pong") }))
	defer srv.Close()
	e := engine.New(engine.Options{})
	script := writeScript(t, `local r, err = require("http").get(args.url) return r and r.body or tostring(err)`)
	req := engine.Request{Script: script, Args: map[string]any{"url": srv.URL}, Timeout: 10 * time.Second}
	_, err := e.Run(context.Background(), req)
	if err == nil || !strings.Contains(err.Error(), `host "127.0.0.1" is not allowed: http is off`) {
		t.Fatalf("off by default: got %v", err)
	}
	req.HTTPAllow = []string{"127.0.0.1"}
	res, err := e.Run(context.Background(), req)
	if err != nil || res.Value != "pong" {
		t.Fatalf("allowed: got %v, %v", res.Value, err)
	}
}
