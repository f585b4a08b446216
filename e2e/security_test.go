package e2e

import (
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/soracron/soracron/emulator"
	"github.com/soracron/soracron/scheduler/api"
	"github.com/soracron/soracron/scheduler/history"
	"github.com/soracron/soracron/scheduler/redact"
)

// TestTLSVerifiedByDefault: a Sora behind a certificate the system does
// not trust is refused, by `run` and by jobs (the daemon's client), unless
// its CA is given (--ca-file, sora.ca_file) or verification is turned off
// (--insecure, sora.insecure).
func TestTLSVerifiedByDefault(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, `{"n":1}`)
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes
	srv.StartTLS()
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(dir, "get.lua")
	if err := os.WriteFile(script, []byte(getScript), 0o644); err != nil {
		t.Fatal(err)
	}
	url := srv.URL + "/"
	jobs := func(extra string) string {
		path := filepath.Join(t.TempDir(), "jobs.yaml")
		yaml := fmt.Sprintf("sora: {url: %q%s}\njobs:\n  - {name: get, schedule: '@daily', script: %q}\n", url, extra, script)
		if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	const refused = "sora.get: Sora_20201124.GetSignalingNotifyMetadata: tls: failed to verify certificate: x509: certificate signed by unknown authority"
	tests := []struct {
		name string
		args []string
		code int
	}{
		{"run: verified by default", []string{"run", "--sora-url", url, script}, 1},
		{"run: --ca-file", []string{"run", "--sora-url", url, "--ca-file", ca, script}, 0},
		{"run: --insecure", []string{"run", "--sora-url", url, "--insecure", script}, 0},
		{"job: verified by default", []string{"run", "--job", "get", "-c", jobs("")}, 1},
		{"job: sora.ca_file", []string{"run", "--job", "get", "-c", jobs(", ca_file: " + ca)}, 0},
		{"job: sora.insecure", []string{"run", "--job", "get", "-c", jobs(", insecure: true")}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := execute(t, nil, tt.args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tt.code, stderr)
			}
			if code == 0 && strings.Join(strings.Fields(stdout), "") != `{"n":1}` {
				t.Errorf("stdout %q", stdout)
			}
			if code == 1 && !strings.HasSuffix(errorLine(stderr), refused) {
				t.Errorf("error line %q does not end with %q", errorLine(stderr), refused)
			}
		})
	}
}

// TestAPILoopbackByDefault: serve's API listens on loopback unless a token
// protects it.
func TestAPILoopbackByDefault(t *testing.T) {
	_, srv, _ := startEmulator(t, emulator.Faults{}, 1)
	dir := t.TempDir()
	jobs := filepath.Join(dir, "jobs.yaml")
	_ = os.WriteFile(filepath.Join(dir, "one.lua"), []byte("return 1\n"), 0o644)
	_ = os.WriteFile(jobs, []byte(fmt.Sprintf("sora: {url: %q}\njobs:\n  - {name: a, schedule: '@daily', script: one.lua}\n", srv.URL)), 0o644)
	code, _, stderr := execute(t, nil, "serve", "-c", jobs, "--state", filepath.Join(dir, "s.db"), "--listen", "0.0.0.0:0")
	want := "soracron: --listen 0.0.0.0:0 is not a loopback address: give --token-file so that the API requires a bearer token"
	if code != 2 || errorLine(stderr) != want {
		t.Errorf("exit %d, error %q; want 2 and %q", code, errorLine(stderr), want)
	}
	_, help, _ := execute(t, nil, "serve", "--help")
	if !regexp.MustCompile(`--listen string .*\(default "127\.0\.0\.1:8080"\)`).MatchString(help) {
		t.Errorf("serve --help does not show the loopback default:\n%s", help)
	}
}

// TestSecretsRedacted: a token given as ${VAR} reaches Sora in its header,
// but neither the daemon's log nor the run's error, log lines or result as
// GET /api/runs/ID shows them holds it.
func TestSecretsRedacted(t *testing.T) {
	const token = "tok-5ecret-d3adbeef"
	e := emulator.New(emulator.Options{AnyConnectionID: true})
	if _, err := e.AddConnection(emulator.Connection{ChannelID: "sora", ConnectionID: "C1"}); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var seen []string
	sora := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Header.Get("Authorization"))
		mu.Unlock()
		e.ServeHTTP(w, r)
	}))
	t.Cleanup(sora.Close)
	d := startDaemonEnv(t, sora.URL+"/", `
sora:
  url: "{{url}}"
  headers: {Authorization: "Bearer ${SORA_TOKEN}"}
jobs:
  - name: leak
    schedule: "@every 1s"
    script: leak.lua
    args: {token: "${SORA_TOKEN}"}
`, map[string]string{"leak.lua": `local sora = require("sora")
local log = require("log")
assert(sora.get("sora", "C1"))
log.info("calling with " .. args.token, {token = args.token})
print("token", args.token)
error("failed with token " .. args.token)
`}, map[string]string{"SORA_TOKEN": token})
	var run history.Run
	deadline := time.Now().Add(10 * time.Second)
	for {
		runs := d.runs(t, "leak")
		if len(runs) > 0 && runs[0].Outcome == history.OutcomeFailed {
			run = runs[0]
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no failed run: %+v", runs)
		}
		time.Sleep(50 * time.Millisecond)
	}
	mu.Lock()
	if len(seen) == 0 || seen[0] != "Bearer "+token {
		t.Errorf("Sora saw Authorization %q, want the token", seen)
	}
	mu.Unlock()
	apiSrv := httptest.NewServer(api.Handler(d.sched, api.Options{}))
	t.Cleanup(apiSrv.Close)
	for _, path := range []string{fmt.Sprintf("/api/runs/%d", run.ID), "/api/runs", "/api/jobs"} {
		resp, err := http.Get(apiSrv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.Contains(string(body), token) {
			t.Errorf("GET %s shows the token:\n%s", path, body)
		}
		if path != "/api/jobs" && !strings.Contains(string(body), "failed with token "+redact.Redacted) {
			t.Errorf("GET %s lacks the redacted error:\n%s", path, body)
		}
		if strings.HasPrefix(path, "/api/runs/") {
			var info api.RunInfo
			if err := json.Unmarshal(body, &info); err != nil {
				t.Fatal(err)
			}
			var msgs []string
			for _, l := range info.Logs {
				msgs = append(msgs, l.Msg)
			}
			if !strings.Contains(strings.Join(msgs, "\n"), "calling with "+redact.Redacted) {
				t.Errorf("the run's log lines lack the redacted message: %q", msgs)
			}
		}
	}
	if log := d.logs.String(); strings.Contains(log, token) || !strings.Contains(log, redact.Redacted) {
		t.Errorf("the daemon's log holds the token or no redaction:\n%s", log)
	}
}
