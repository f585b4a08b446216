package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/soracron/soracron/emulator"
	"github.com/soracron/soracron/scheduler/api"
	"github.com/soracron/soracron/scheduler/history"
	"github.com/soracron/soracron/scheduler/redact"
)

// waitFinished waits for a finished run of each job and returns the first.
// The wait is long (these are not timing tests): under -race on a loaded
// machine a run that builds megabytes of text takes tens of seconds.
func waitFinished(t *testing.T, d *daemon, names []string) map[string]history.Run {
	t.Helper()
	out := map[string]history.Run{}
	deadline := time.Now().Add(2 * time.Minute)
	for len(out) < len(names) {
		for _, n := range names {
			for _, r := range d.runs(t, n) {
				if r.Outcome != history.OutcomeRunning {
					out[n] = r
					break
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("runs did not finish: have %v of %v", len(out), names)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return out
}

func apiGet(t *testing.T, url string) []byte {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s = %d %s", url, resp.StatusCode, body)
	}
	return body
}

// stateBytes returns the bytes of the state database with its WAL.
func stateBytes(t *testing.T, d *daemon) []byte {
	t.Helper()
	var all []byte
	for _, p := range []string{d.state, d.state + "-wal"} {
		b, err := os.ReadFile(p)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	return all
}

// TestSecretsRedactedInResults: a secret value known to the redactor (a
// ${VAR} of a header, or of args) returned by a script, in any place of its
// result, never reaches /api/runs or SQLite; errors and logs neither.
func TestSecretsRedactedInResults(t *testing.T) {
	const token = "tok-r3sult-<&>-s3cret"
	e := emulator.New(emulator.Options{})
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	jobsYAML := `
sora:
  url: "{{url}}"
  headers: {Authorization: "Bearer ${SORA_TOKEN}", X-Key: "${X_KEY}"}
jobs:
`
	cases := []struct {
		name, script string
	}{
		{"string", `return args.token`},
		{"inside a string", `return "prefix:" .. args.token .. ":suffix"`},
		{"nested value", `return {a = {b = {args.token, 1}}}`},
		{"table key", `return {[args.token] = true}`},
		{"header value from the environment", `return {key = os.getenv("X_KEY")}`},
		{"error and log", `require("log").info("log " .. args.token, {t = args.token}); error("err " .. args.token)`},
	}
	scripts := map[string]string{}
	var names []string
	for i, tc := range cases {
		name := fmt.Sprintf("leak%d", i)
		names = append(names, name)
		jobsYAML += fmt.Sprintf("  - {name: %s, schedule: \"@every 1s\", script: %s.lua, args: {token: \"${SORA_TOKEN}\"}}\n", name, name)
		scripts[name+".lua"] = tc.script
	}
	t.Setenv("X_KEY", "xkey-0123456789abcdef")
	d := startDaemonEnv(t, srv.URL+"/", jobsYAML, scripts, map[string]string{"SORA_TOKEN": token, "X_KEY": "xkey-0123456789abcdef"})
	runs := waitFinished(t, d, names)
	apiSrv := httptest.NewServer(api.Handler(d.sched, api.Options{}))
	t.Cleanup(apiSrv.Close)
	secrets := []string{token, "xkey-0123456789abcdef", `tok-r3sult-\u003c\u0026\u003e-s3cret`}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := runs[names[i]]
			body := apiGet(t, fmt.Sprintf("%s/api/runs/%d", apiSrv.URL, r.ID))
			for _, s := range secrets {
				if bytes.Contains(body, []byte(s)) {
					t.Fatalf("GET /api/runs/%d shows a secret:\n%s", r.ID, body)
				}
			}
			if !bytes.Contains(body, []byte(redact.Redacted)) {
				t.Fatalf("GET /api/runs/%d has no %s:\n%s", r.ID, redact.Redacted, body)
			}
			if tc.name != "error and log" && (r.Outcome != history.OutcomeOK || !json.Valid(r.Result)) {
				t.Fatalf("run = %s %q, want ok with a JSON result", r.Outcome, r.Result)
			}
		})
	}
	t.Run("/api/runs", func(t *testing.T) {
		body := apiGet(t, apiSrv.URL+"/api/runs?limit=1000")
		for _, s := range secrets {
			if bytes.Contains(body, []byte(s)) {
				t.Fatalf("GET /api/runs shows a secret")
			}
		}
	})
	d.stop(t)
	t.Run("SQLite", func(t *testing.T) {
		db := stateBytes(t, d)
		for _, s := range append(secrets, "Bearer "+token) {
			if bytes.Contains(db, []byte(s)) {
				t.Fatalf("the state database holds %q", s)
			}
		}
		if !bytes.Contains(db, []byte(redact.Redacted)) {
			t.Fatal("the state database holds no redacted value")
		}
	})
}

// TestRunTextCapped: a huge error, a huge result and a flood of log lines are
// stored and served cut, saying so, and the database stays small. The table
// result (3 MB, 47 times its cap) and the flood (100 times the cap on log
// lines) are as large as they need be: under -race each line and table
// entry costs tens of microseconds.
func TestRunTextCapped(t *testing.T) {
	e := emulator.New(emulator.Options{})
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	cases := []struct {
		name, script string
		check        func(t *testing.T, r *api.RunInfo)
	}{
		{"30 MB error", `error(string.rep("e", 30 * 1024 * 1024))`, func(t *testing.T, r *api.RunInfo) {
			if len(r.Error) > history.MaxErrorBytes || !strings.Contains(r.Error, "[cut: ") {
				t.Fatalf("error of %d bytes ends %q", len(r.Error), tail(r.Error))
			}
		}},
		{"30 MB result", `return string.rep("r", 30 * 1024 * 1024)`, func(t *testing.T, r *api.RunInfo) {
			var s string
			if err := json.Unmarshal(r.Result, &s); err != nil || len(r.Result) > history.MaxResultBytes ||
				!strings.Contains(s, "[cut: 30.0 MiB") {
				t.Fatalf("result of %d bytes (%v) ends %q", len(r.Result), err, tail(string(r.Result)))
			}
		}},
		{"3 MB table result", `local t = {} for i = 1, 30000 do t[i] = string.rep("x", 100) end return t`, func(t *testing.T, r *api.RunInfo) {
			if len(r.Result) > history.MaxResultBytes || !strings.Contains(string(r.Result), "[cut: ") {
				t.Fatalf("result of %d bytes ends %q", len(r.Result), tail(string(r.Result)))
			}
		}},
		{"a hundred thousand log lines", `local log = require("log") for i = 1, 100000 do log.info("line " .. i) end`, func(t *testing.T, r *api.RunInfo) {
			if len(r.Logs) > history.DefaultMaxLogLines+1 || !strings.Contains(r.Logs[len(r.Logs)-1].Msg, "dropped") {
				t.Fatalf("%d log lines, last %+v", len(r.Logs), r.Logs[len(r.Logs)-1])
			}
		}},
		{"one 30 MB log line", `require("log").warn(string.rep("l", 30 * 1024 * 1024), {v = string.rep("v", 1024 * 1024)})`, func(t *testing.T, r *api.RunInfo) {
			if len(r.Logs) == 0 || len(r.Logs[0].Msg) > history.MaxLogValueBytes || !strings.Contains(r.Logs[0].Msg, "[cut: 30.0 MiB") {
				t.Fatalf("log lines %d, first of %d bytes", len(r.Logs), len(r.Logs[0].Msg))
			}
		}},
	}
	jobsYAML := "sora: {url: \"{{url}}\"}\njobs:\n"
	scripts := map[string]string{}
	var names []string
	for i, tc := range cases {
		name := fmt.Sprintf("big%d", i)
		names = append(names, name)
		jobsYAML += fmt.Sprintf("  - {name: %s, schedule: \"@every 1h\", script: %s.lua, timeout: 2m}\n", name, name)
		scripts[name+".lua"] = tc.script
	}
	d := startDaemonEnv(t, srv.URL+"/", jobsYAML, scripts, nil)
	apiSrv := httptest.NewServer(api.Handler(d.sched, api.Options{}))
	t.Cleanup(apiSrv.Close)
	for _, n := range names {
		resp, err := http.Post(apiSrv.URL+"/api/jobs/"+n+"/run", "application/json", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			t.Fatalf("POST run %s = %d", n, resp.StatusCode)
		}
	}
	runs := waitFinished(t, d, names)
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var info api.RunInfo
			body := apiGet(t, fmt.Sprintf("%s/api/runs/%d", apiSrv.URL, runs[names[i]].ID))
			if err := json.Unmarshal(body, &info); err != nil {
				t.Fatal(err)
			}
			tc.check(t, &info)
		})
	}
	t.Run("stderr lines are cut and counted", func(t *testing.T) {
		flood := 0
		for _, line := range strings.Split(d.logs.String(), "\n") {
			if len(line) > 4*history.MaxLogValueBytes {
				t.Fatalf("a daemon log line of %d bytes: %q...", len(line), line[:200])
			}
			if strings.Contains(line, "job=big3") {
				flood++
			}
		}
		if flood > history.DefaultMaxLogLines+10 {
			t.Fatalf("the daemon's log has %d lines of the hundred-thousand-line run", flood)
		}
		if !strings.Contains(d.logs.String(), "the run's log reached its cap") {
			t.Fatal("no warning that the run's log reached its cap")
		}
	})
	d.stop(t)
	if n := len(stateBytes(t, d)); n > 8<<20 {
		t.Fatalf("state database and WAL: %d bytes, want under 8 MiB", n)
	}
}

func tail(s string) string {
	if len(s) > 80 {
		return s[len(s)-80:]
	}
	return s
}
