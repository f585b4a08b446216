package cli_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/soracron/soracron/cli"
)

// TestRunJobHTTPAllow: a job's http.allow (and the defaults') lets its
// script reach a host; --allow-http adds hosts to the job's.
func TestRunJobHTTPAllow(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "pong") }))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	_, soraURL, conn := serveEmulator(t)
	dir := serveDir(t)
	if err := os.WriteFile(filepath.Join(dir, "scripts", "ping.lua"),
		[]byte(`return assert(require("http").get(args.url)).body`), 0o644); err != nil {
		t.Fatal(err)
	}
	jobsFile := writeServeJobs(t, dir, `
sora: {url: "{{url}}"}
defaults:
  args: {url: "`+srv.URL+`"}
  http: {allow: [crm.example.com]}
jobs:
  - {name: allowed, schedule: "@daily", script: scripts/ping.lua, http: {allow: ["`+u.Host+`"]}}
  - {name: other, schedule: "@daily", script: scripts/ping.lua}
`, soraURL, conn)
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStderr string
	}{
		{"allowed by the job", []string{"--job", "allowed"}, 0, "soracron: ok"},
		{"only the defaults' host", []string{"--job", "other"}, 1, `host "127.0.0.1" is not allowed (allowed: crm.example.com; add it with http.allow in jobs.yaml`},
		{"--allow-http adds to the job's", []string{"--job", "other", "--allow-http", "127.0.0.1"}, 0, "soracron: ok"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := cli.Execute(context.Background(), append([]string{"run", "-c", jobsFile}, tt.args...),
				cli.App{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr})
			if code != tt.wantCode || !strings.Contains(stderr.String(), tt.wantStderr) || (code == 0 && stdout.String() != "\"pong\"\n") {
				t.Errorf("exit %d, stdout %q, stderr:\n%s\nwant exit %d and %q", code, stdout.String(), stderr.String(), tt.wantCode, tt.wantStderr)
			}
		})
	}
}
