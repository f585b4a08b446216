package cli

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestVersion(t *testing.T) {
	_, byCmd, _ := runCLI(t, context.Background(), nil, "version")
	_, byFlag, _ := runCLI(t, context.Background(), nil, "--version")
	if byCmd != byFlag {
		t.Errorf("version and --version differ:\n%s\n%s", byCmd, byFlag)
	}
	lines := strings.Split(strings.TrimSuffix(byCmd, "\n"), "\n")
	if !strings.HasPrefix(lines[0], "soracron ") || len(lines) < 4 {
		t.Fatalf("output:\n%s", byCmd)
	}
	if want := "  go:          " + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH; lines[len(lines)-1] != want {
		t.Errorf("last line %q, want %q", lines[len(lines)-1], want)
	}
}

func TestMan(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "man1")
	code, _, stderr := runCLI(t, context.Background(), nil, "man", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, page := range []string{"soracron.1", "soracron-run.1", "soracron-serve.1", "soracron-check.1", "soracron-emulator.1",
		"soracron-test.1", "soracron-repl.1", "soracron-version.1", "soracron-man.1", "soracron-completion-bash.1"} {
		data, err := os.ReadFile(filepath.Join(dir, page))
		if err != nil {
			t.Error(err)
			continue
		}
		if !strings.Contains(string(data), `.TH "SORACRON"`) {
			t.Errorf("%s: no man header", page)
		}
	}
	serve, _ := os.ReadFile(filepath.Join(dir, "soracron-serve.1"))
	for _, want := range []string{"SORACRON_SHUTDOWN_TIMEOUT", "shutdown-timeout", "SIGHUP"} {
		if !strings.Contains(string(serve), want) {
			t.Errorf("soracron-serve.1 lacks %q", want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "soracron-healthcheck.1")); err == nil {
		t.Error("the hidden healthcheck command got a man page")
	}
}

func TestHealthcheck(t *testing.T) {
	status := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" {
			http.NotFound(w, r)
			return
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(`{"status":"ok"}` + "\n"))
	}))
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")
	port := addr[strings.LastIndexByte(addr, ':')+1:]
	tests := []struct {
		name     string
		status   int
		env      map[string]string
		args     []string
		wantCode int
		wantOut  string
	}{
		{"URL, healthy", 200, nil, []string{srv.URL + "/healthz"}, 0, "healthy: {\"status\":\"ok\"}\n"},
		{"--listen", 200, nil, []string{"--listen", addr}, 0, "healthy"},
		{"SORACRON_LISTEN of serve, on all interfaces", 200, map[string]string{"SORACRON_LISTEN": "0.0.0.0:" + port}, nil, 0, "healthy"},
		{"503 is unhealthy", 503, nil, []string{srv.URL + "/healthz"}, 1, "503 Service Unavailable"},
		{"404 is unhealthy", 200, nil, []string{srv.URL + "/nothing"}, 1, "404 Not Found"},
		{"bad --listen", 200, nil, []string{"--listen", "nope"}, 2, `--listen "nope": want HOST:PORT`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status = tt.status
			code, stdout, stderr := runCLI(t, context.Background(), tt.env, append([]string{"healthcheck"}, tt.args...)...)
			if code != tt.wantCode || !strings.Contains(stdout+stderr, tt.wantOut) {
				t.Errorf("exit %d, out %q %q; want %d, %q", code, stdout, stderr, tt.wantCode, tt.wantOut)
			}
		})
	}
	t.Run("nothing listening", func(t *testing.T) {
		srv2 := httptest.NewServer(http.NotFoundHandler())
		url := srv2.URL
		srv2.Close()
		code, _, stderr := runCLI(t, context.Background(), nil, "healthcheck", url+"/healthz")
		if code != 1 || !strings.Contains(stderr, "unhealthy:") || !strings.Contains(stderr, "connection refused") {
			t.Errorf("exit %d, stderr %q", code, stderr)
		}
	})
}
