package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/soracron/soracron/emulator"
)

// runCLI runs one soracron command line in-process and returns its exit
// code, stdout and stderr.
func runCLI(t *testing.T, ctx context.Context, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := Execute(ctx, args, App{
		Stdin:  strings.NewReader(""),
		Stdout: &stdout,
		Stderr: &stderr,
		Getenv: func(k string) string { return env[k] },
	})
	return code, stdout.String(), stderr.String()
}

func writeScript(t *testing.T, dir, name, src string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRunExitCodes(t *testing.T) {
	dir := t.TempDir()
	ok := writeScript(t, dir, "ok.lua", `return {n = 1}`)
	syntax := writeScript(t, dir, "syntax.lua", "local x = 1\nlocal y = = 2\n")
	runtime := writeScript(t, dir, "runtime.lua", "local function boom()\n  error('boom here')\nend\nboom()\n")
	busy := writeScript(t, dir, "busy.lua", `while true do end`)
	notFound := writeScript(t, dir, "notfound.lua", `local sora = require("sora")
return assert(sora.get("sora", "NOSUCHCONNECTION"))`)

	tests := []struct {
		name       string
		args       []string
		env        map[string]string
		wantCode   int
		wantStdout string   // exact, "" = empty
		wantStderr []string // substrings
	}{
		{"success prints the return value", []string{"run", "--emulator", ok}, nil, 0, "{\n  \"n\": 1\n}\n",
			[]string{"soracron: ok in", "0 calls, 0 failed, 0 writes"}},
		{"missing script is a usage error", []string{"run", "--emulator", filepath.Join(dir, "nope.lua")}, nil, 2, "",
			[]string{"script:", "nope.lua"}},
		{"syntax error names file and line", []string{"run", "--emulator", syntax}, nil, 2, "",
			[]string{syntax + ":2:"}},
		{"runtime error names file and line with a traceback", []string{"run", "--emulator", runtime}, nil, 1, "",
			[]string{runtime + ":2: boom here", "stack traceback:", "in function 'boom'", "soracron: failed in"}},
		{"timeout stops a busy loop", []string{"run", "--emulator", "--timeout", "200ms", busy}, nil, 1, "",
			[]string{"timed out after 200ms", "soracron: timeout in"}},
		{"Sora error reply fails the script", []string{"run", "--emulator", notFound}, nil, 1, "",
			[]string{"notfound.lua:2:", "connection_not_found", "1 call (1 get), 1 failed"}},
		{"no URL names the ways to give one", []string{"run", ok}, nil, 2, "",
			[]string{"--sora-url", "SORA_URL", "--emulator"}},
		{"bad --arg", []string{"run", "--emulator", "--arg", "novalue", ok}, nil, 2, "", []string{`--arg "novalue": want KEY=VALUE`}},
		{"bad --args-json", []string{"run", "--emulator", "--args-json", "[1]", ok}, nil, 2, "", []string{`--args-json: want a JSON object such as '{"minutes": 10}', got an array`}},
		{"unknown flag", []string{"run", "--bogus", ok}, nil, 2, "", []string{"unknown flag: --bogus"}},
		{"both URL and emulator", []string{"run", "--emulator", "--sora-url", "http://127.0.0.1:1/", ok}, nil, 2, "", []string{"not both"}},
		{"two scripts", []string{"run", "--emulator", ok, ok}, nil, 2, "", []string{"want one SCRIPT.lua"}},
		{"bad header", []string{"run", "--emulator", "--header", "NoColon", ok}, nil, 2, "", []string{"want 'Name: value'"}},
		{"bad --retry-ambiguous", []string{"run", "--emulator", "--retry-ambiguous", "sometimes", ok}, nil, 2, "", []string{`--retry-ambiguous "sometimes": want auto, all or none`}},
		{"plan-json needs dry-run", []string{"run", "--emulator", "--plan-json", "x.json", ok}, nil, 2, "", []string{"--plan-json needs --dry-run"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, context.Background(), tt.env, tt.args...)
			if code != tt.wantCode {
				t.Errorf("exit code %d, want %d\nstderr:\n%s", code, tt.wantCode, stderr)
			}
			if stdout != tt.wantStdout {
				t.Errorf("stdout = %q, want %q", stdout, tt.wantStdout)
			}
			for _, s := range tt.wantStderr {
				if !strings.Contains(stderr, s) {
					t.Errorf("stderr does not contain %q:\n%s", s, stderr)
				}
			}
		})
	}
}

func TestRunInterrupted(t *testing.T) {
	dir := t.TempDir()
	script := writeScript(t, dir, "sleep.lua", `local time = require("time"); time.sleep(60)`)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	code, _, stderr := runCLI(t, ctx, nil, "run", "--emulator", script)
	if code != 1 || !strings.Contains(stderr, "soracron: interrupted") || !strings.Contains(stderr, "soracron: interrupted in") {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
}

func TestRunArgs(t *testing.T) {
	dir := t.TempDir()
	script := writeScript(t, dir, "args.lua", `return args`)
	code, stdout, stderr := runCLI(t, context.Background(), nil, "run", "--emulator", script,
		"--args-json", `{"n": 9007199254740992, "list": [1, null, "x"], "empty": {}, "s": "json"}`,
		"--arg", "s=flag", "--arg", "minutes=10")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var got map[string]any
	dec := json.NewDecoder(strings.NewReader(stdout))
	dec.UseNumber()
	if err := dec.Decode(&got); err != nil {
		t.Fatal(err)
	}
	want := `{"empty":{},"list":[1,null,"x"],"minutes":"10","n":9007199254740992,"s":"flag"}`
	if b, _ := json.Marshal(got); string(b) != want {
		t.Fatalf("args = %s, want %s", b, want)
	}
}

func TestRunAgainstSoraURL(t *testing.T) {
	em := emulator.New(emulator.Options{})
	ids := em.Generate("sora", 3)
	srv, err := emulator.Start(em, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	// A proxy in front of the emulator that requires a bearer token.
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer t0ken" {
			w.WriteHeader(401)
			_, _ = w.Write([]byte(`{"error_type":"unauthorized","message":"bad token"}`))
			return
		}
		em.ServeHTTP(w, r)
	}))
	defer proxy.Close()
	dir := t.TempDir()
	script := writeScript(t, dir, "set.lua", `local sora = require("sora")
local s = assert(sora.update_all("sora", function(md) md.role = "viewer"; return md end))
return s.writes`)

	t.Run("SORA_URL and a header reach the proxy", func(t *testing.T) {
		code, stdout, stderr := runCLI(t, context.Background(), map[string]string{"SORA_URL": proxy.URL},
			"run", "--header", "Authorization: Bearer t0ken", script)
		if code != 0 || stdout != "3\n" {
			t.Fatalf("exit %d, stdout %q, stderr:\n%s", code, stdout, stderr)
		}
		for _, id := range ids {
			if md, _ := em.Metadata("sora", id); md["role"] != "viewer" {
				t.Fatalf("%s: metadata %v", id, md)
			}
		}
	})
	t.Run("without the header the script fails with the proxy's error", func(t *testing.T) {
		code, _, stderr := runCLI(t, context.Background(), nil, "run", "--sora-url", proxy.URL, script)
		if code != 1 || !strings.Contains(stderr, "status 401 unauthorized: bad token") {
			t.Fatalf("exit %d, stderr:\n%s", code, stderr)
		}
	})
	t.Run("dry run writes nothing and prints the plan", func(t *testing.T) {
		dry := writeScript(t, dir, "dry.lua", `local sora = require("sora")
assert(sora.update_all("sora", function(md) md.role = "presenter"; return md end, {push = true}))`)
		planFile := filepath.Join(dir, "plan.json")
		code, stdout, stderr := runCLI(t, context.Background(), nil,
			"run", "--sora-url", srv.URL, "--dry-run", "--plan-json", planFile, dry)
		if code != 0 || stdout != "" {
			t.Fatalf("exit %d, stdout %q, stderr:\n%s", code, stdout, stderr)
		}
		for _, id := range ids {
			if md, _ := em.Metadata("sora", id); md["role"] != "viewer" {
				t.Fatalf("dry run wrote to %s: %v", id, md)
			}
		}
		if len(em.Deliveries("sora")) != 0 {
			t.Fatal("dry run pushed")
		}
		if !strings.Contains(stderr, "3 writes planned (dry run)") || !strings.Contains(stderr, `"viewer" -> "presenter"`) {
			t.Fatalf("stderr:\n%s", stderr)
		}
		data, err := os.ReadFile(planFile)
		if err != nil {
			t.Fatal(err)
		}
		var plan struct {
			Changes []struct {
				ConnectionID string            `json:"connection_id"`
				Changed      map[string][2]any `json:"changed"`
				Push         bool              `json:"push"`
			} `json:"changes"`
		}
		if err := json.Unmarshal(data, &plan); err != nil {
			t.Fatal(err)
		}
		if len(plan.Changes) != 3 || !plan.Changes[0].Push || plan.Changes[0].Changed["role"] != [2]any{"viewer", "presenter"} {
			t.Fatalf("plan = %s", data)
		}
	})
}

func TestRunEmulatorPrintsState(t *testing.T) {
	code, stdout, stderr := runCLI(t, context.Background(), nil, "run", "--emulator", "../scripts/mark_busy.lua", "--arg", "minutes=10")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, `"marked_away": 2`) {
		t.Fatalf("stdout = %s", stdout)
	}
	for _, s := range []string{
		"emulator metadata after the run:",
		`sora 0FQE5EA5YN3FS13P01QZ1JG8R0 {"role":"presenter","since":1764000000,"status":"away","tmp_upload":"slide-3.pdf"}`,
		`sora V3Q452QQBD5TQ6ZQDMTEDKA07C {"role":"viewer","status":"online"}`,
		"3 calls (1 list, 2 put_item), 0 failed, 2 writes",
	} {
		if !strings.Contains(stderr, s) {
			t.Errorf("stderr lacks %q:\n%s", s, stderr)
		}
	}
}
