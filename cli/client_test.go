package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/soracron/soracron/cli"
)

// client runs a client command (jobs, runs, ...) against a serve.
func client(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := cli.Execute(context.Background(), args, cli.App{Stdout: &stdout, Stderr: &stderr,
		Getenv: func(k string) string { return env[k] }})
	return code, stdout.String(), stderr.String()
}

const clientJobs = `
sora: {url: "{{url}}"}
jobs:
  - name: stamp
    schedule: "0 0 1 1 *"
    script: scripts/stamp.lua
    args: {channel_id: sora, connection_id: "{{conn}}"}
  - name: boom
    schedule: "0 0 1 1 *"
    script: scripts/fail.lua
  - name: slow
    schedule: "@every 1h"
    script: scripts/sleep.lua
    args: {seconds: 600}
`

func TestClientCommands(t *testing.T) {
	emu, url, conn := serveEmulator(t)
	dir := serveDir(t)
	jobs := writeServeJobs(t, dir, clientJobs, url, conn)
	state := filepath.Join(dir, "s.db")
	s := startServe(t, "-c", jobs, "--listen", "127.0.0.1:0", "--state", state, "--shutdown-timeout", "1s")
	srv := []string{"--server", s.api}

	t.Run("trigger --wait ok, with args and dry run", func(t *testing.T) {
		code, stdout, stderr := client(t, nil, append([]string{"trigger", "stamp", "--wait", "--dry-run",
			"--arg", "channel_id=sora"}, srv...)...)
		if code != 0 || !regexp.MustCompile(`run \d+: ok, .*, 2 calls, 1 writes`).MatchString(stderr) {
			t.Fatalf("trigger = %d\nstdout %s\nstderr %s", code, stdout, stderr)
		}
		md, _ := emu.Metadata("sora", conn)
		if _, wrote := md["runs"]; wrote {
			t.Errorf("a dry run wrote: %v", md)
		}
	})
	t.Run("trigger --wait of a failing job exits 1", func(t *testing.T) {
		code, _, stderr := client(t, nil, append([]string{"trigger", "boom", "--wait"}, srv...)...)
		if code != 1 || !strings.Contains(stderr, "failed") || !strings.Contains(stderr, "boom") {
			t.Errorf("trigger boom = %d %s", code, stderr)
		}
	})
	t.Run("trigger without --wait, then 409 exits 1", func(t *testing.T) {
		code, stdout, _ := client(t, nil, append([]string{"trigger", "slow"}, srv...)...)
		if code != 0 || !regexp.MustCompile(`^run \d+ of slow started\n$`).MatchString(stdout) {
			t.Errorf("trigger slow = %d %q", code, stdout)
		}
		code, _, stderr := client(t, nil, append([]string{"trigger", "slow"}, srv...)...)
		if code != 1 || !strings.Contains(stderr, "409") {
			t.Errorf("second trigger slow = %d %s", code, stderr)
		}
	})
	t.Run("unknown job and bad args exit 2", func(t *testing.T) {
		for _, args := range [][]string{{"trigger", "nope"}, {"suspend", "nope"}, {"trigger", "stamp", "--args-json", "[1]"},
			{"logs", "x"}, {"logs", "99999"}, {"jobs", "-o", "yaml"}} {
			if code, _, stderr := client(t, nil, append(args, srv...)...); code != 2 {
				t.Errorf("%v = %d %s, want 2", args, code, stderr)
			}
		}
	})
	t.Run("runs", func(t *testing.T) {
		code, stdout, stderr := client(t, nil, append([]string{"runs"}, srv...)...)
		lines := strings.Split(strings.TrimSpace(stdout), "\n")
		if code != 0 || len(lines) != 4 || !strings.HasPrefix(lines[0], "ID ") ||
			!strings.Contains(lines[0], "OUTCOME") || !strings.Contains(stdout, "ok (dry run)") ||
			!strings.Contains(stdout, "failed") || !strings.Contains(stdout, "running") {
			t.Errorf("runs = %d\n%s%s", code, stdout, stderr)
		}
		code, stdout, _ = client(t, nil, append([]string{"runs", "boom", "-o", "json"}, srv...)...)
		var runs []struct{ Job, Outcome string }
		if err := json.Unmarshal([]byte(stdout), &runs); code != 0 || err != nil || len(runs) != 1 ||
			runs[0].Job != "boom" || runs[0].Outcome != "failed" {
			t.Errorf("runs boom -o json = %d %v %s", code, err, stdout)
		}
	})
	t.Run("logs", func(t *testing.T) {
		_, stdout, _ := client(t, nil, append([]string{"runs", "boom", "-o", "json"}, srv...)...)
		var runs []struct{ ID json.Number }
		_ = json.Unmarshal([]byte(stdout), &runs)
		code, stdout, stderr := client(t, nil, append([]string{"logs", runs[0].ID.String()}, srv...)...)
		if code != 0 || !strings.Contains(stdout, "ERROR script error") || !strings.Contains(stderr, "failed") {
			t.Errorf("logs = %d\n%s\n%s", code, stdout, stderr)
		}
	})
	t.Run("suspend, jobs, resume", func(t *testing.T) {
		if code, stdout, _ := client(t, nil, append([]string{"suspend", "slow"}, srv...)...); code != 0 || stdout != "job slow suspended\n" {
			t.Errorf("suspend = %d %q", code, stdout)
		}
		code, stdout, _ := client(t, nil, append([]string{"jobs"}, srv...)...)
		want := []*regexp.Regexp{
			regexp.MustCompile(`^NAME +SCHEDULE +SUSPENDED +ACTIVE +LAST SCHEDULE +LAST SUCCESS +NEXT$`),
			regexp.MustCompile(`^stamp +0 0 1 1 \* +false +0 +\d+s +\d+s +in \d+d$`),
			regexp.MustCompile(`^boom +0 0 1 1 \* +false +0 +\d+s +<none> +in \d+d$`),
			regexp.MustCompile(`^slow +@every 1h +true +1 +\d+s +<none> +<none>$`),
		}
		lines := strings.Split(strings.TrimSpace(stdout), "\n")
		if code != 0 || len(lines) != len(want) {
			t.Fatalf("jobs = %d\n%s", code, stdout)
		}
		for i, re := range want {
			if !re.MatchString(lines[i]) {
				t.Errorf("jobs line %d = %q, want %s", i, lines[i], re)
			}
		}
	})
	t.Run("suspension survives a restart; token from SORACRON_TOKEN", func(t *testing.T) {
		s.stop()
		token := filepath.Join(dir, "token")
		writeFile(t, token, "s3cret\n")
		s2 := startServe(t, "-c", jobs, "--listen", "127.0.0.1:0", "--state", state, "--token-file", token, "--shutdown-timeout", "1s")
		srv2 := []string{"--server", s2.api}
		if code, _, stderr := client(t, nil, append([]string{"jobs"}, srv2...)...); code != 1 || !strings.Contains(stderr, "401") {
			t.Errorf("jobs without a token = %d %s", code, stderr)
		}
		code, stdout, stderr := client(t, map[string]string{"SORACRON_TOKEN": "s3cret"}, append([]string{"jobs", "-o", "json"}, srv2...)...)
		var js []struct {
			Name      string
			Suspended bool
		}
		if err := json.Unmarshal([]byte(stdout), &js); code != 0 || err != nil || len(js) != 3 || !js[2].Suspended || js[0].Suspended {
			t.Fatalf("jobs after restart = %d %v %s %s", code, err, stdout, stderr)
		}
		code, stdout, _ = client(t, nil, append([]string{"resume", "slow", "--token-file", token}, srv2...)...)
		if code != 0 || stdout != "job slow resumed\n" {
			t.Errorf("resume = %d %q", code, stdout)
		}
	})
}

func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
}
