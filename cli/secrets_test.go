package cli

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// headerRecorder is a Sora stand-in that answers every request with an
// empty list and records the headers it was sent.
func headerRecorder(t *testing.T) (url string, last func() http.Header) {
	t.Helper()
	var mu sync.Mutex
	var got http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = r.Header.Clone()
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte("[]"))
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/", func() http.Header {
		mu.Lock()
		defer mu.Unlock()
		return got
	}
}

func writeFileMode(t *testing.T, dir, name, data string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCredentialsOffTheCommandLine(t *testing.T) {
	dir := t.TempDir()
	url, last := headerRecorder(t)
	script := writeScript(t, dir, "list.lua", `return #require("sora").list("sora")`)
	file := writeFileMode(t, dir, "headers", "# proxy credentials\n\nAuthorization: Bearer from-file\nX-Tenant: blue\n", 0o600)
	tests := []struct {
		name       string
		env        map[string]string
		args       []string
		wantAuth   string
		wantTenant string
	}{
		{"SORA_API_TOKEN is a bearer token", map[string]string{"SORA_API_TOKEN": "from-env"}, nil, "Bearer from-env", ""},
		{"--header-file wins over SORA_API_TOKEN", map[string]string{"SORA_API_TOKEN": "from-env"},
			[]string{"--header-file", file}, "Bearer from-file", "blue"},
		{"SORACRON_HEADER_FILE", map[string]string{"SORACRON_HEADER_FILE": file}, nil, "Bearer from-file", "blue"},
		{"--header wins over the file, per name", map[string]string{"SORA_API_TOKEN": "from-env"},
			[]string{"--header-file", file, "--header", "Authorization: Bearer from-flag"}, "Bearer from-flag", "blue"},
		{"SORACRON_HEADER, one a line", map[string]string{"SORACRON_HEADER": "Authorization: Bearer from-var\nX-Tenant: red"},
			nil, "Bearer from-var", "red"},
		{"nothing", nil, nil, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"run", "--sora-url", url, script}, tt.args...)
			code, _, stderr := runCLI(t, context.Background(), tt.env, args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			h := last()
			if h.Get("Authorization") != tt.wantAuth || h.Get("X-Tenant") != tt.wantTenant {
				t.Errorf("sent Authorization %q, X-Tenant %q; want %q, %q", h.Get("Authorization"), h.Get("X-Tenant"), tt.wantAuth, tt.wantTenant)
			}
			if strings.Contains(stderr, "from-") {
				t.Errorf("a credential was printed:\n%s", stderr)
			}
		})
	}
}

func TestSecretFileModes(t *testing.T) {
	dir := t.TempDir()
	url, _ := headerRecorder(t)
	script := writeScript(t, dir, "list.lua", `return #require("sora").list("sora")`)
	const headers = "Authorization: Bearer s3cr3t-t0ken\n"
	tests := []struct {
		name       string
		data       string
		mode       os.FileMode
		wantCode   int
		wantStderr string
	}{
		{"owner only", headers, 0o600, 0, "soracron: ok"},
		{"owner read-only", headers, 0o400, 0, "soracron: ok"},
		{"group can read: warned", headers, 0o640, 0, "soracron: warning: --header-file " + filepath.Join(dir, "group can read: warned") + ": its group can read it (mode 0640)"},
		{"world-readable: refused", headers, 0o644, 2, "other users can read it (mode 0644); it holds a secret: chmod 600 it"},
		{"world-writable: refused", headers, 0o602, 2, "other users can read it (mode 0602)"},
		{"a bare token: refused without echoing it", "s3cr3t-t0ken\n", 0o600, 2, ":1: want 'Name: value'"},
		{"empty", "# nothing\n", 0o600, 2, "no header in it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := writeFileMode(t, dir, tt.name, tt.data, tt.mode)
			code, _, stderr := runCLI(t, context.Background(), nil, "run", "--sora-url", url, "--header-file", file, script)
			if code != tt.wantCode || !strings.Contains(stderr, tt.wantStderr) {
				t.Errorf("exit %d, stderr:\n%s\nwant exit %d and %q", code, stderr, tt.wantCode, tt.wantStderr)
			}
			if strings.Contains(stderr, "s3cr3t") {
				t.Errorf("the secret was printed:\n%s", stderr)
			}
		})
	}
	t.Run("serve refuses a world-readable --token-file", func(t *testing.T) {
		tok := writeFileMode(t, dir, "token", "t0ken-value\n", 0o644)
		code, _, stderr := runCLI(t, context.Background(), nil, "serve", "--token-file", tok, "-c", filepath.Join(dir, "none.yaml"))
		if code != 2 || !strings.Contains(stderr, "--token-file "+tok+": other users can read it") {
			t.Errorf("exit %d, stderr:\n%s", code, stderr)
		}
	})
	t.Run("run refuses a world-readable --key-file", func(t *testing.T) {
		key := writeFileMode(t, dir, "client.key", "not a key\n", 0o644)
		code, _, stderr := runCLI(t, context.Background(), nil, "run", "--sora-url", url, "--cert-file", key, "--key-file", key, script)
		if code != 2 || !strings.Contains(stderr, "--key-file "+key+": other users can read it") {
			t.Errorf("exit %d, stderr:\n%s", code, stderr)
		}
	})
}
