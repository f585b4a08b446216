package e2e

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// soraStandIn is an HTTP server in Sora's place that counts requests and
// records the last Authorization header; it answers with status.
type soraStandIn struct {
	*httptest.Server
	mu       sync.Mutex
	requests int
	auth     string
}

func newSoraStandIn(t *testing.T, status int) *soraStandIn {
	t.Helper()
	s := &soraStandIn{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		s.mu.Lock()
		s.requests++
		s.auth = r.Header.Get("Authorization")
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte("[]"))
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *soraStandIn) seen() (int, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests, s.auth
}

// writeJobs writes jobs.yaml (with soraSection as its sora section) and a
// script that lists channel "sora" into a new directory.
func writeJobs(t *testing.T, soraSection string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "list.lua"), []byte(`return #assert(require("sora").list("sora"))`), 0o644); err != nil {
		t.Fatal(err)
	}
	jobs := filepath.Join(dir, "jobs.yaml")
	yaml := "sora: " + soraSection + "\njobs:\n  - {name: list, schedule: \"@yearly\", script: list.lua}\n"
	if err := os.WriteFile(jobs, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	return jobs
}

// TestPrecedenceRetries runs `soracron run --job` as a process against a
// stand-in that always answers 503, and counts the attempts of the one
// request: the command line's --retries wins over SORACRON_RETRIES, which
// wins over jobs.yaml's sora.retries, which wins over the default (3).
func TestPrecedenceRetries(t *testing.T) {
	bin := soracronBinary(t, "")
	tests := []struct {
		name         string
		yamlRetries  string
		env          []string
		args         []string
		wantAttempts int
	}{
		{"default", "", nil, nil, 4},
		{"jobs.yaml over the default", "retries: 1,", nil, nil, 2},
		{"environment over jobs.yaml", "retries: 1,", []string{"SORACRON_RETRIES=0"}, nil, 1},
		{"flag over the environment", "retries: 1,", []string{"SORACRON_RETRIES=0"}, []string{"--retries", "2"}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sora := newSoraStandIn(t, http.StatusServiceUnavailable)
			jobs := writeJobs(t, fmt.Sprintf("{%s url: %q}", tt.yamlRetries, sora.URL+"/"))
			args := append([]string{"run", "--job", "list", "-c", jobs}, tt.args...)
			code, _, stderr := runBin(t, bin, tt.env, args...)
			n, _ := sora.seen()
			if code != 1 || n != tt.wantAttempts {
				t.Errorf("exit %d after %d attempts, want exit 1 after %d; stderr:\n%s", code, n, tt.wantAttempts, stderr)
			}
		})
	}
}

// TestPrecedenceSoraURLAndToken checks which server a `run --job` process
// reaches, and with which bearer token.
func TestPrecedenceSoraURLAndToken(t *testing.T) {
	bin := soracronBinary(t, "")
	yamlSora, envSora, flagSora := newSoraStandIn(t, 200), newSoraStandIn(t, 200), newSoraStandIn(t, 200)
	jobs := writeJobs(t, fmt.Sprintf(`{url: %q, headers: {Authorization: "Bearer ${YAML_TOKEN}"}}`, yamlSora.URL+"/"))
	tests := []struct {
		name     string
		env      []string
		args     []string
		want     *soraStandIn
		wantAuth string
	}{
		{"jobs.yaml", []string{"YAML_TOKEN=from-yaml"}, nil, yamlSora, "Bearer from-yaml"},
		{"environment over jobs.yaml", []string{"YAML_TOKEN=from-yaml", "SORACRON_SORA_URL=" + envSora.URL + "/", "SORA_API_TOKEN=from-env"},
			nil, envSora, "Bearer from-env"},
		{"flags over the environment", []string{"YAML_TOKEN=from-yaml", "SORACRON_SORA_URL=" + envSora.URL + "/", "SORA_API_TOKEN=from-env"},
			[]string{"--sora-url", flagSora.URL + "/", "--header", "Authorization: Bearer from-flag"}, flagSora, "Bearer from-flag"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, _ := tt.want.seen()
			args := append([]string{"run", "--job", "list", "-c", jobs}, tt.args...)
			code, stdout, stderr := runBin(t, bin, tt.env, args...)
			after, auth := tt.want.seen()
			if code != 0 || stdout != "0\n" || after != before+1 || auth != tt.wantAuth {
				t.Errorf("exit %d, stdout %q, %d requests with %q; want 1 with %q; stderr:\n%s",
					code, stdout, after-before, auth, tt.wantAuth, stderr)
			}
		})
	}
}

// TestServeFromTheEnvironment starts serve configured only by variables:
// it listens where SORACRON_LISTEN says (a flag would win), reaches Sora at
// SORACRON_SORA_URL over jobs.yaml's url with SORA_API_TOKEN, keeps doing
// so after a SIGHUP reload, answers /healthz without the API token, and
// stops on SIGTERM with exit 0.
func TestServeFromTheEnvironment(t *testing.T) {
	bin := soracronBinary(t, "")
	yamlSora, envSora := newSoraStandIn(t, 200), newSoraStandIn(t, 200)
	jobs := writeJobs(t, fmt.Sprintf("{url: %q}", yamlSora.URL+"/"))
	dir := t.TempDir()
	token := filepath.Join(dir, "api-token")
	if err := os.WriteFile(token, []byte("api-s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	envAddr, flagAddr := freeAddr(t), freeAddr(t)
	env := []string{
		"SORACRON_CONFIG=" + jobs,
		"SORACRON_STATE=" + filepath.Join(dir, "state.db"),
		"SORACRON_LISTEN=" + envAddr,
		"SORACRON_TOKEN_FILE=" + token,
		"SORACRON_SORA_URL=" + envSora.URL + "/",
		"SORACRON_SHUTDOWN_TIMEOUT=5s",
		"SORA_API_TOKEN=sora-t0ken",
	}
	t.Run("a flag wins over SORACRON_LISTEN", func(t *testing.T) {
		p := startProc(t, bin, env, "serve", "--listen", flagAddr)
		if got := p.waitListening(t); got != flagAddr {
			t.Errorf("listening on %s, want %s", got, flagAddr)
		}
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		p.wait(t, 10*time.Second)
	})
	p := startProc(t, bin, env, "serve")
	if got := p.waitListening(t); got != envAddr {
		t.Fatalf("listening on %s, want %s from SORACRON_LISTEN", got, envAddr)
	}
	api := "http://" + envAddr
	// /healthz needs no token; the rest of the API does.
	for path, want := range map[string]int{"/healthz": 200, "/api/jobs": 401} {
		resp, err := http.Get(api + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET %s without token: %d, want %d", path, resp.StatusCode, want)
		}
	}
	// The healthcheck command finds serve through the same variable.
	if code, out, stderr := runBin(t, bin, env, "healthcheck"); code != 0 || !strings.Contains(out, "healthy") {
		t.Errorf("healthcheck: exit %d, %q %q", code, out, stderr)
	}
	trigger := func() {
		t.Helper()
		before, _ := envSora.seen()
		req, _ := http.NewRequest(http.MethodPost, api+"/api/jobs/list/run", nil)
		req.Header.Set("Authorization", "Bearer api-s3cret")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			t.Fatalf("POST run: %d", resp.StatusCode)
		}
		deadline := time.Now().Add(10 * time.Second)
		for {
			n, auth := envSora.seen()
			if n > before {
				if auth != "Bearer sora-t0ken" {
					t.Errorf("Sora got Authorization %q, want the SORA_API_TOKEN bearer", auth)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the run never reached SORACRON_SORA_URL; stderr:\n%s", p.Stderr())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	trigger()
	if err := p.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitFor(t, p, "configuration reloaded", "reload")
	trigger()
	if n, _ := yamlSora.seen(); n != 0 {
		t.Errorf("jobs.yaml's url got %d requests; the variable should win", n)
	}
	if strings.Contains(p.Stderr(), "sora-t0ken") || strings.Contains(p.Stderr(), "api-s3cret") {
		t.Errorf("a secret reached the log:\n%s", p.Stderr())
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := p.wait(t, 10*time.Second); code != 0 {
		t.Errorf("exit %d after SIGTERM, want 0:\n%s", code, p.Stderr())
	}
}

// waitFor waits until the process's stderr contains s.
func waitFor(t *testing.T, p *proc, s, what string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(p.Stderr(), s) {
		if time.Now().After(deadline) {
			t.Fatalf("no %s (%q) in stderr:\n%s", what, s, p.Stderr())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
