package cli_test

import (
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// status returns the status and body of GET url with an optional token.
func getStatus(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func TestServeProbesAndMetrics(t *testing.T) {
	_, url, conn := serveEmulator(t)
	dir := serveDir(t)
	jobs := writeServeJobs(t, dir, serveJobs, url, conn)
	token := filepath.Join(dir, "token")
	if err := os.WriteFile(token, []byte("t0ken\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name                string
		flags               []string
		metricsWithoutToken int
		metricsAddr         bool
	}{
		{"token only", nil, 401, false},
		{"--metrics-public", []string{"--metrics-public"}, 200, false},
		{"--metrics-listen", []string{"--metrics-listen", freeAddr(t)}, 401, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"-c", jobs, "--listen", "127.0.0.1:0", "--token-file", token,
				"--state", filepath.Join(t.TempDir(), "s.db")}, tc.flags...)
			s := startServe(t, args...)
			code, body := getStatus(t, s.api+"/healthz", "")
			if code != 200 || strings.TrimSpace(body) != `{
  "status": "ok"
}` {
				t.Errorf("/healthz without a token = %d %q, want 200 and the status only", code, body)
			}
			if code, _ := getStatus(t, s.api+"/metrics", ""); code != tc.metricsWithoutToken {
				t.Errorf("/metrics without a token = %d, want %d", code, tc.metricsWithoutToken)
			}
			if code, body := getStatus(t, s.api+"/metrics", "t0ken"); code != 200 ||
				!strings.Contains(body, "soracron_job_suspended{job=\"stamp\"} 0") {
				t.Errorf("/metrics with the token = %d %.200s", code, body)
			}
			if code, _ := getStatus(t, s.api+"/api/jobs", ""); code != 401 {
				t.Errorf("/api/jobs without a token = %d, want 401", code)
			}
			if tc.metricsAddr {
				addr := tc.flags[1]
				if code, body := getStatus(t, "http://"+addr+"/metrics", ""); code != 200 ||
					!strings.Contains(body, "soracron_job_next_run_timestamp_seconds") {
					t.Errorf("--metrics-listen /metrics = %d %.200s", code, body)
				}
				if code, _ := getStatus(t, "http://"+addr+"/api/jobs", ""); code != 404 {
					t.Errorf("--metrics-listen serves /api/jobs: %d", code)
				}
			}
		})
	}
}
