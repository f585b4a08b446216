package cli

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestRunAllowHTTP: the http module reaches a host only with --allow-http.
func TestRunAllowHTTP(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "pong") }))
	defer srv.Close()
	script := writeScript(t, t.TempDir(), "ping.lua", `return assert(require("http").get(args.url)).body`)
	tests := []struct {
		name       string
		flags      []string
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{"off", nil, 1, "", `host "127.0.0.1" is not allowed: http is off (allow hosts with http.allow in jobs.yaml, or --allow-http HOST on soracron run)`},
		{"other host", []string{"--allow-http", "crm.example.com"}, 1, "", `(allowed: crm.example.com;`},
		{"allowed", []string{"--allow-http", "crm.example.com", "--allow-http", "127.0.0.1"}, 0, "\"pong\"\n", "soracron: ok"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"run", "--emulator", script, "--arg", "url=" + srv.URL}, tt.flags...)
			code, stdout, stderr := runCLI(t, context.Background(), nil, args...)
			if code != tt.wantCode || stdout != tt.wantStdout || !strings.Contains(stderr, tt.wantStderr) {
				t.Errorf("exit %d, stdout %q, stderr:\n%s\nwant exit %d, stdout %q, stderr containing %q", code, stdout, stderr, tt.wantCode, tt.wantStdout, tt.wantStderr)
			}
		})
	}
}
