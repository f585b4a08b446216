package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/soracron/soracron/emulator"
	"github.com/soracron/soracron/scheduler/api"
)

// sora is a fake Sora for the reply cases: it answers every request with
// the handler's reply.
func fakeSora(t *testing.T, h http.HandlerFunc) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL + "/"
}

// errorLine returns the error line of a soracron command's stderr: the
// last line starting with "soracron: " that is not the run's summary.
func errorLine(stderr string) string {
	var last string
	for _, l := range strings.Split(stderr, "\n") {
		if strings.HasPrefix(l, "soracron: ") && !isSummary(l) {
			last = l
		}
	}
	return last
}

func isSummary(l string) bool {
	for _, o := range []string{"ok", "failed", "timeout", "interrupted"} {
		if strings.HasPrefix(l, "soracron: "+o+" in ") {
			return true
		}
	}
	return false
}

// TestBadInput runs soracron on wrong scripts, wrong replies of Sora and
// wrong jobs files, and checks the exit code, the exact message, and that
// nothing was written.
func TestBadInput(t *testing.T) {
	const conn = "C1"
	huge := bytes.Repeat([]byte("x"), 32<<20+1)
	tests := []struct {
		name   string
		script string           // Lua source of script.lua
		sora   http.HandlerFunc // a fake Sora; nil: the emulator with connection C1
		args   []string         // before the script: flags of run (or a whole command line with cmd)
		cmd    []string         // a command line instead of run (DIR is the test's directory)
		files  map[string]string
		code   int
		want   string // the error line; DIR stands for the directory of the script
		detail string // another line stderr must have (jobs.yaml problems)
	}{
		// Scripts.
		{name: "syntax error", script: "local x = = 1\n", code: 2,
			want: "soracron: DIR/script.lua:1: syntax error near '='"},
		{name: "runtime error", script: "local t = nil\nlocal y = t.x\n", code: 1,
			want: "soracron: DIR/script.lua:2: attempt to index a non-table object(nil) with key 'x'"},
		{name: "non-UTF-8 byte in the code", script: "local x = 1\nlocal \xff = 2\n", code: 2,
			want: `soracron: DIR/script.lua:2: invalid character "\xff" (non-ASCII bytes are only allowed in strings and comments)`},
		{name: "non-UTF-8 string returned", script: "return {name = \"\xff\xfe\"}\n", code: 1,
			want: "soracron: DIR/script.lua: bad value at return value.name: string is not valid UTF-8"},
		{name: "cyclic table returned", script: "local t = {}\nt.self = t\nreturn t\n", code: 1,
			want: "soracron: DIR/script.lua: cycle at return value.self"},
		{name: "function returned", script: "return function() end\n", code: 1,
			want: "soracron: DIR/script.lua: bad value at return value: function cannot be encoded as JSON"},
		{name: "function as metadata value", script: "local sora = require('sora')\nreturn sora.put_item('sora', 'C1', 'k', print)\n", code: 1,
			want: "soracron: DIR/script.lua:2: bad argument #4 to put_item (value: bad value at (root): function cannot be encoded as JSON)"},
		{name: "function inside metadata", script: "local sora = require('sora')\nreturn sora.put('sora', 'C1', {a = {b = print}})\n", code: 1,
			want: "soracron: DIR/script.lua:2: bad argument #3 to put (metadata: bad value at a.b: function cannot be encoded as JSON)"},
		{name: "unknown target", script: "local sora = require('sora')\nreturn assert(sora.call('Bogus'))\n", code: 1,
			want: `soracron: DIR/script.lua:2: bad argument #1 to call (sora: unknown target "Bogus": give its full name with the API version, e.g. Sora_20201013.Bogus)`},
		{name: "unknown versioned target", script: "local sora = require('sora')\nreturn assert(sora.call('Sora_20201124.Bogus'))\n", code: 1,
			want: `soracron: DIR/script.lua:2: sora.call: Sora_20201124.Bogus: status 400 unknown_target: unknown x-sora-target "Sora_20201124.Bogus"`},
		{name: "unknown connection", script: "local sora = require('sora')\nreturn assert(sora.get('sora', 'NOPE'))\n", code: 1,
			want: `soracron: DIR/script.lua:2: sora.get: Sora_20201124.GetSignalingNotifyMetadata: status 400 connection_not_found: connection "NOPE" is not connected in channel "sora"`},

		// Replies of Sora.
		{name: "reply not JSON", script: getScript, code: 1,
			sora: func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, "hello") },
			want: "soracron: DIR/script.lua:2: sora.get: Sora_20201124.GetSignalingNotifyMetadata: decode reply: invalid JSON at offset 1: invalid character 'h' looking for beginning of value"},
		{name: "error reply not JSON", script: getScript, code: 1,
			sora: func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(http.StatusBadGateway)
				fmt.Fprint(w, "<html>Bad Gateway</html>")
			},
			want: `soracron: DIR/script.lua:2: sora.get: Sora_20201124.GetSignalingNotifyMetadata: status 502: "<html>Bad Gateway</html>"`},
		{name: "truncated reply", script: getScript, code: 1,
			sora: func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Length", "100")
				w.WriteHeader(http.StatusOK)
				fmt.Fprint(w, `{"status":`)
			},
			want: "soracron: DIR/script.lua:2: sora.get: Sora_20201124.GetSignalingNotifyMetadata: read reply (status 200): unexpected EOF (after 2 attempts)"},
		{name: "enormous reply", script: getScript, code: 1, args: []string{"--max-reply-size", "32MiB"},
			sora: func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write(huge) },
			want: "soracron: DIR/script.lua:2: sora.get: Sora_20201124.GetSignalingNotifyMetadata: reply too large: over 33554432 bytes (raise --max-reply-size or sora.max_reply_size)"},
		{name: "reply of the wrong shape", script: "local sora = require('sora')\nlocal md = assert(sora.get('sora', 'C1'))\nreturn md.status:upper()\n", code: 1,
			sora: func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, `[1, 2]`) },
			want: "soracron: DIR/script.lua:3: attempt to index a non-table object(nil) with key 'upper'"},
		{name: "nothing listening", script: getScript, code: 1, args: []string{"--retries", "0"},
			sora: nil, // replaced below by a closed port
			want: "soracron: DIR/script.lua:2: sora.get: Sora_20201124.GetSignalingNotifyMetadata: dial tcp ADDR: connect: connection refused"},

		// Command line.
		{name: "missing script", cmd: []string{"run", "--emulator", "DIR/nope.lua"}, code: 2,
			want: "soracron: script: stat DIR/nope.lua: no such file or directory"},
		{name: "no Sora URL", cmd: []string{"run", "DIR/x.lua"}, files: map[string]string{"x.lua": "return 1\n"}, code: 2,
			want: "soracron: no Sora API URL: give --sora-url, set SORA_URL, or use --emulator to run against the built-in emulator"},
		{name: "bad --max-reply-size", cmd: []string{"run", "--emulator", "DIR/x.lua", "--max-reply-size", "lots"}, files: map[string]string{"x.lua": "return 1\n"}, code: 2,
			want: `soracron: --max-reply-size "lots": want a size such as 64MiB, 1GiB or a number of bytes`},
		{name: "bad --args-json", cmd: []string{"run", "--emulator", "DIR/x.lua", "--args-json", "[1]"}, files: map[string]string{"x.lua": "return 1\n"}, code: 2,
			want: `soracron: --args-json: want a JSON object such as '{"minutes": 10}', got an array`},

		// jobs.yaml (jobs/errors_test.go has every message).
		{name: "jobs.yaml syntax", cmd: []string{"check", "-c", "DIR/jobs.yaml"}, files: map[string]string{"jobs.yaml": "sora: {url: http://h/}\n\tjobs: []\n"}, code: 2,
			want: "soracron: DIR/jobs.yaml is invalid: 1 problem", detail: "DIR/jobs.yaml:2: invalid YAML: found character that cannot start any token"},
		{name: "jobs.yaml wrong type", cmd: []string{"check", "-c", "DIR/jobs.yaml"}, files: map[string]string{"a.lua": "return 1\n",
			"jobs.yaml": "sora: {url: http://h/}\njobs:\n  - {name: a, schedule: '@daily', script: a.lua, timeout: [1m]}\n"}, code: 2,
			want: "soracron: DIR/jobs.yaml is invalid: 1 problem", detail: `DIR/jobs.yaml:3: job "a": timeout: expected a duration such as "30s", got a list`},
		{name: "jobs.yaml unknown key", cmd: []string{"check", "-c", "DIR/jobs.yaml"}, files: map[string]string{"a.lua": "return 1\n",
			"jobs.yaml": "sora: {url: http://h/}\njobs:\n  - {name: a, schedule: '@daily', script: a.lua, timout: 1m}\n"}, code: 2,
			want: "soracron: DIR/jobs.yaml is invalid: 1 problem", detail: `DIR/jobs.yaml:3: job "a": unknown key "timout" (did you mean "timeout"?)`},
		{name: "jobs.yaml huge", cmd: []string{"check", "-c", "DIR/jobs.yaml"}, files: map[string]string{"jobs.yaml": "# " + strings.Repeat("x", 4<<20) + "\n"}, code: 2,
			want: "soracron: DIR/jobs.yaml is invalid: 1 problem", detail: "DIR/jobs.yaml: file is larger than 4 MiB; refusing to parse it"},
		{name: "jobs.yaml script syntax", cmd: []string{"check", "-c", "DIR/jobs.yaml"}, files: map[string]string{"a.lua": "local x = = 1\n",
			"jobs.yaml": "sora: {url: http://h/}\njobs:\n  - {name: a, schedule: '@daily', script: a.lua}\n"}, code: 2,
			want: "soracron: DIR/jobs.yaml is invalid: 1 script error", detail: `DIR/a.lua:1: syntax error near '=' (job "a")`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, src := range tt.files {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			var e *emulator.Emulator
			args := tt.cmd
			addr := ""
			if args == nil {
				script := filepath.Join(dir, "script.lua")
				if err := os.WriteFile(script, []byte(tt.script), 0o644); err != nil {
					t.Fatal(err)
				}
				var url string
				switch {
				case tt.sora != nil:
					url = fakeSora(t, tt.sora)
				case tt.name == "nothing listening":
					srv := httptest.NewServer(http.NotFoundHandler())
					url = srv.URL + "/"
					addr = srv.Listener.Addr().String()
					srv.Close()
				default:
					e = emulator.New(emulator.Options{AnyConnectionID: true})
					if _, err := e.AddConnection(emulator.Connection{ChannelID: "sora", ConnectionID: conn,
						Metadata: map[string]any{"status": "idle"}}); err != nil {
						t.Fatal(err)
					}
					srv, err := emulator.Start(e, "127.0.0.1:0")
					if err != nil {
						t.Fatal(err)
					}
					t.Cleanup(func() { _ = srv.Close() })
					url = srv.URL
				}
				args = append(append([]string{"run", "--sora-url", url, "--retries", "1"}, tt.args...), script)
			}
			for i := range args {
				args[i] = strings.ReplaceAll(args[i], "DIR", dir)
			}
			code, stdout, stderr := execute(t, nil, args...)
			got := strings.ReplaceAll(errorLine(stderr), dir, "DIR")
			want := strings.ReplaceAll(tt.want, "ADDR", addr)
			if code != tt.code || got != want {
				t.Errorf("exit %d, error line:\n  %s\nwant exit %d and:\n  %s\nstderr:\n%s", code, got, tt.code, want, stderr)
			}
			if d := tt.detail; d != "" && !slices.Contains(strings.Split(strings.ReplaceAll(stderr, dir, "DIR"), "\n"), d) {
				t.Errorf("stderr lacks the line\n  %s\nstderr:\n%s", d, stderr)
			}
			if code != 0 && stdout != "" {
				t.Errorf("stdout %q after a failure", stdout)
			}
			if e != nil {
				if md, _ := e.Metadata("sora", conn); len(md) != 1 || md["status"] != "idle" {
					t.Errorf("metadata changed: %v", md)
				}
			}
		})
	}
}

// getScript reads the metadata of C1.
const getScript = "local sora = require('sora')\nreturn assert(sora.get('sora', 'C1'))\n"

// TestReplyErrorTypes: a script that handles errors itself sees what went
// wrong with a reply in err.type.
func TestReplyErrorTypes(t *testing.T) {
	tests := []struct {
		name string
		sora http.HandlerFunc
		want string // err.type .. " " .. tostring(err)
	}{
		{"not JSON", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, "hello") },
			"decode sora.get: Sora_20201124.GetSignalingNotifyMetadata: decode reply: invalid JSON at offset 1: invalid character 'h' looking for beginning of value"},
		{"error not JSON", func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprint(w, "oops")
		}, `http_error sora.get: Sora_20201124.GetSignalingNotifyMetadata: status 500: "oops"`},
		{"JSON error", func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"error_type":"invalid_params","message":"bad channel_id"}`)
		}, `invalid_params sora.get: Sora_20201124.GetSignalingNotifyMetadata: status 400 invalid_params: bad channel_id`},
		{"truncated", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Length", "10")
			fmt.Fprint(w, `{"a"`)
		}, `transport sora.get: Sora_20201124.GetSignalingNotifyMetadata: read reply (status 200): unexpected EOF`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			script := filepath.Join(dir, "script.lua")
			src := "local sora = require('sora')\nlocal md, err = sora.get('sora', 'C1')\nreturn err.type .. ' ' .. tostring(err)\n"
			if err := os.WriteFile(script, []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
			code, stdout, stderr := execute(t, nil, "run", "--sora-url", fakeSora(t, tt.sora), "--retries", "0", script)
			var got string
			if code != 0 || json.Unmarshal([]byte(stdout), &got) != nil || got != tt.want {
				t.Errorf("exit %d, result %s, want %q; stderr:\n%s", code, stdout, tt.want, stderr)
			}
		})
	}
}

// TestAPIBadInput: the daemon's HTTP API refuses bad job names, path
// traversal and requests without the token, with a JSON error.
func TestAPIBadInput(t *testing.T) {
	_, srv, _ := startEmulator(t, emulator.Faults{}, 1)
	d := startDaemon(t, srv.URL, `
sora: {url: "{{url}}"}
jobs:
  - {name: daily, schedule: "@daily", script: one.lua}
`, map[string]string{"one.lua": "return 1\n"})
	apiSrv := httptest.NewServer(api.Handler(d.sched, api.Options{Token: "t0ken"}))
	t.Cleanup(apiSrv.Close)
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	tests := []struct {
		name, method, path, auth string
		status                   int
		want                     string // the body's error, or the Location of a redirect
	}{
		{"no token", "GET", "/api/jobs", "", 401, "missing or wrong bearer token"},
		{"wrong token", "GET", "/api/jobs", "Bearer nope", 401, "missing or wrong bearer token"},
		{"token as basic auth", "GET", "/api/jobs", "Basic dDBrZW4=", 401, "missing or wrong bearer token"},
		{"no token for a run", "POST", "/api/jobs/daily/run", "", 401, "missing or wrong bearer token"},
		{"bad job name", "GET", "/api/jobs/bad%20name", "Bearer t0ken", 400, "invalid job name (1 to 64 letters, digits, '.', '_' or '-')"},
		{"encoded traversal", "POST", "/api/jobs/..%2F..%2Fetc%2Fpasswd/run", "Bearer t0ken", 400, "invalid job name (1 to 64 letters, digits, '.', '_' or '-')"},
		{"dot-dot name", "POST", "/api/jobs/%2E%2E/run", "Bearer t0ken", 400, "invalid job name (1 to 64 letters, digits, '.', '_' or '-')"},
		{"traversal in a query", "GET", "/api/runs?job=../../etc/passwd", "Bearer t0ken", 400, "invalid job name (1 to 64 letters, digits, '.', '_' or '-')"},
		{"raw traversal is cleaned", "GET", "/api/jobs/../../etc/passwd", "Bearer t0ken", 307, "/etc/passwd"},
		{"cleaned path is unknown", "GET", "/etc/passwd", "Bearer t0ken", 404, "not found"},
		{"unknown job", "POST", "/api/jobs/nope/run", "Bearer t0ken", 404, `no job named "nope"`},
		{"bad run id", "GET", "/api/runs/abc", "Bearer t0ken", 400, "invalid run id (a positive integer)"},
		{"unknown run", "GET", "/api/runs/12345", "Bearer t0ken", 404, "no run 12345 (pruned or never recorded)"},
		{"bad limit", "GET", "/api/runs?limit=100000", "Bearer t0ken", 400, "limit must be an integer from 1 to 1000"},
		{"wrong method", "DELETE", "/api/jobs/daily", "Bearer t0ken", 405, "method DELETE not allowed; use GET"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, apiSrv.URL+tt.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			resp, err := noRedirect.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body struct {
				Error string `json:"error"`
			}
			got := resp.Header.Get("Location")
			if resp.StatusCode/100 != 3 {
				if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
					t.Fatalf("status %d, body not JSON: %v", resp.StatusCode, err)
				}
				got = body.Error
			}
			if resp.StatusCode != tt.status || got != tt.want {
				t.Errorf("%s %s: %d %q, want %d %q", tt.method, tt.path, resp.StatusCode, got, tt.status, tt.want)
			}
		})
	}
	if runs := d.runs(t, "daily"); len(runs) != 0 {
		t.Errorf("bad requests started %d runs", len(runs))
	}
}
