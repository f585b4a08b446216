package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/soracron/soracron/cli"
)

func TestRunJob(t *testing.T) {
	emu, url, conn := serveEmulator(t)
	dir := serveDir(t)
	jobs := writeServeJobs(t, dir, `
sora: {url: "{{url}}"}
defaults:
  args: {channel_id: sora, connection_id: "{{conn}}"}
jobs:
  - name: stamp
    schedule: "@every 1s"
    script: scripts/stamp.lua
  - name: fail
    schedule: "@daily"
    script: scripts/fail.lua
    retries: {max: 2, backoff: 0s}
  - name: dry
    schedule: "@daily"
    script: scripts/stamp.lua
    dry_run: true
  - name: slow
    schedule: "@daily"
    script: scripts/sleep.lua
    args: {seconds: 60}
    timeout: 100ms
    enabled: false
`, url, conn)
	runs := func() any {
		md, _ := emu.Metadata("sora", conn)
		return md["runs"]
	}
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr []string
		runs   any
	}{
		{"runs the job with its args", []string{"--job", "stamp"}, 0, `"runs": 1`, []string{"soracron: ok"}, json.Number("1")},
		{"retries a failed job", []string{"--job", "fail"}, 1, "", []string{"3 attempts", "boom"}, json.Number("1")},
		{"dry_run from jobs.yaml writes nothing", []string{"--job", "dry"}, 0, `"runs": 2`, []string{"dry run"}, json.Number("1")},
		{"--dry-run writes nothing", []string{"--job", "stamp", "--dry-run"}, 0, `"runs": 2`, []string{"dry run"}, json.Number("1")},
		{"a disabled job runs, with its timeout", []string{"--job", "slow"}, 1, "", []string{"timeout"}, json.Number("1")},
		{"--arg overrides the job's args", []string{"--job", "stamp", "--arg", "connection_id=NOPE"}, 1, "", []string{"connection_not_found"}, json.Number("1")},
		{"--timeout overrides the job's timeout", []string{"--job", "slow", "--timeout", "300ms"}, 1, "", []string{"timed out after 300ms"}, json.Number("1")},
		{"unknown job", []string{"--job", "nope"}, 2, "", []string{`no job "nope"`, "stamp, fail, dry, slow"}, json.Number("1")},
		{"the job again", []string{"--job", "stamp"}, 0, `"runs": 2`, nil, json.Number("2")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			args := append([]string{"run", "-c", jobs}, tc.args...)
			code := cli.Execute(context.Background(), args, cli.App{Stdout: &stdout, Stderr: &stderr, Getenv: func(string) string { return "" }})
			if code != tc.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tc.code, stderr.String())
			}
			if !strings.Contains(stdout.String(), tc.stdout) {
				t.Errorf("stdout = %q, want %q", stdout.String(), tc.stdout)
			}
			for _, w := range tc.stderr {
				if !strings.Contains(stderr.String(), w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr.String())
				}
			}
			if got := runs(); got != tc.runs {
				t.Errorf("metadata runs = %v, want %v", got, tc.runs)
			}
		})
	}
	var stderr bytes.Buffer
	if code := cli.Execute(context.Background(), []string{"run", "--job", "stamp", "-c", jobs, "x.lua"},
		cli.App{Stdout: io.Discard, Stderr: &stderr}); code != 2 {
		t.Errorf("--job with a script: exit %d", code)
	}
}
