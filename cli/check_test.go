package cli_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/soracron/soracron/cli"
)

// checkDir writes files (path -> content) into a temporary directory and
// makes it the working directory.
func checkDir(t *testing.T, files map[string]string) {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(dir)
}

const (
	okScript  = "local n = (args.minutes or 1) * 2\nreturn n\n"
	badScript = "local x = 1\nlocal y = = 2\nreturn x\n"

	checkJobs = `sora: {url: "${SORA_URL}"}
timezone: Asia/Tokyo
jobs:
  - name: morning
    schedule: "0 9 * * *"
    script: scripts/ok.lua
  - name: nightly
    schedule: "30 2 * * *"
    timezone: Europe/Berlin
    script: scripts/ok.lua
    dry_run: true
  - name: off
    schedule: "@every 30s"
    script: scripts/ok.lua
    enabled: false
`
	checkOut = `job morning
  schedule  0 9 * * * (Asia/Tokyo)
  script    scripts/ok.lua
  next      Thu 2025-01-02 09:00:00 JST
            Fri 2025-01-03 09:00:00 JST
            Sat 2025-01-04 09:00:00 JST

job nightly (dry run)
  schedule  30 2 * * * (Europe/Berlin)
  script    scripts/ok.lua
  next      Wed 2025-01-01 02:30:00 CET
            Thu 2025-01-02 02:30:00 CET
            Fri 2025-01-03 02:30:00 CET
  warning   2025-03-30: 02:30 does not exist in Europe/Berlin (clocks jump from 02:00 CET to 03:00 CEST): the run is skipped, not moved; the next run is 2025-03-31 02:30 CEST
  warning   2025-10-26: 02:30 occurs twice in Europe/Berlin (clocks go back from 03:00 CEST to 02:00 CET): the job runs twice, at 02:30 CEST and again at 02:30 CET

job off (disabled)
  schedule  @every 30s (Asia/Tokyo)
  script    scripts/ok.lua
  next      never: the job is disabled

jobs.yaml is valid: 3 jobs (1 disabled), 2 DST warnings
`
)

func TestCheck(t *testing.T) {
	from := "--from=2025-01-01T00:00:00Z"
	soraURL := map[string]string{"SORA_URL": "http://127.0.0.1:3000/"}
	tests := []struct {
		name       string
		files      map[string]string
		env        map[string]string
		args       []string
		code       int
		stdout     string // exact, when not ""
		stderr     []string
		stdoutHave []string
	}{
		{
			name:   "valid",
			files:  map[string]string{"jobs.yaml": checkJobs, "scripts/ok.lua": okScript},
			env:    soraURL,
			args:   []string{"check", from},
			code:   cli.ExitOK,
			stdout: checkOut,
		},
		{
			name:   "file as argument",
			files:  map[string]string{"conf/jobs.yaml": checkJobs, "conf/scripts/ok.lua": okScript},
			env:    soraURL,
			args:   []string{"check", from, "conf/jobs.yaml"},
			code:   cli.ExitOK,
			stdout: strings.ReplaceAll(checkOut, "jobs.yaml is valid", "conf/jobs.yaml is valid"),
		},
		{
			name:   "file with -c",
			files:  map[string]string{"conf/jobs.yaml": checkJobs, "conf/scripts/ok.lua": okScript},
			env:    soraURL,
			args:   []string{"check", from, "-c", "conf/jobs.yaml"},
			code:   cli.ExitOK,
			stdout: strings.ReplaceAll(checkOut, "jobs.yaml is valid", "conf/jobs.yaml is valid"),
		},
		{
			name: "event triggers: an unknown type is an error with a suggestion",
			files: map[string]string{"scripts/ok.lua": okScript, "jobs.yaml": `sora: {url: http://127.0.0.1:3000/}
jobs:
  - name: welcome
    on: [connection.created, connection.destroy]
    script: scripts/ok.lua
`},
			args: []string{"check"},
			code: cli.ExitUsage,
			stderr: []string{
				`jobs.yaml:4: job "welcome": on[1]: unknown event type "connection.destroy" (did you mean "connection.destroyed"?)`,
			},
		},
		{
			name: "event triggers: a job without a schedule",
			files: map[string]string{"scripts/ok.lua": okScript, "jobs.yaml": `sora: {url: http://127.0.0.1:3000/}
jobs:
  - name: welcome
    on: [connection.created, {type: connection.destroyed, channel_id: "room-*"}]
    script: scripts/ok.lua
`},
			args:       []string{"check"},
			code:       cli.ExitOK,
			stdoutHave: []string{"job welcome\n  schedule  none: runs on events only\n  on        connection.created\n  on        connection.destroyed channel_id=room-*\n  script    scripts/ok.lua\n"},
		},
		{
			name:  "unset variable",
			files: map[string]string{"jobs.yaml": checkJobs, "scripts/ok.lua": okScript},
			args:  []string{"check", from},
			code:  cli.ExitUsage,
			stderr: []string{
				"jobs.yaml:1: ${SORA_URL} is not set",
				"soracron: jobs.yaml is invalid: 1 problem",
			},
		},
		{
			name: "invalid config: every problem reported",
			files: map[string]string{"scripts/ok.lua": okScript, "jobs.yaml": `sora: {url: http://127.0.0.1:3000/}
jobs:
  - name: mark-busy
    schedule: "*/5 * *"
    script: scripts/ok.lua
  - name: b
    schedule: "@daily"
    script: scripts/missing.lua
    timezone: Mars/Olympus
`},
			args: []string{"check"},
			code: cli.ExitUsage,
			stderr: []string{
				`jobs.yaml:4: job "mark-busy": schedule "*/5 * *": expected 5 or 6 fields`,
				`jobs.yaml:8: job "b": script "scripts/missing.lua": file not found (paths are relative to the directory of the jobs file)`,
				`jobs.yaml:9: job "b": timezone "Mars/Olympus": unknown time zone (use an IANA name such as "Asia/Tokyo", "UTC" or "Local")`,
				"soracron: jobs.yaml is invalid: 3 problems",
			},
		},
		{
			name: "script syntax error",
			files: map[string]string{"scripts/ok.lua": okScript, "scripts/bad.lua": badScript, "jobs.yaml": `sora: {url: http://127.0.0.1:3000/}
jobs:
  - {name: good, schedule: "@hourly", script: scripts/ok.lua}
  - {name: bad1, schedule: "@hourly", script: scripts/bad.lua}
  - {name: bad2, schedule: "@daily", script: scripts/bad.lua}
`},
			args:       []string{"check"},
			code:       cli.ExitUsage,
			stderr:     []string{`scripts/bad.lua:2: `, `(jobs "bad1", "bad2")`, "soracron: jobs.yaml is invalid: 1 script error"},
			stdoutHave: nil,
		},
		{
			name: "unknown module member",
			files: map[string]string{"scripts/typo.lua": "local sora = require(\"sora\")\nreturn sora.lst(\"sora\")\n", "jobs.yaml": `sora: {url: http://127.0.0.1:3000/}
jobs:
  - {name: typo, schedule: "@hourly", script: scripts/typo.lua}
`},
			args:   []string{"check"},
			code:   cli.ExitUsage,
			stderr: []string{`scripts/typo.lua:2: error: sora has no field 'lst' (did you mean 'list'?) (job "typo")`, "soracron: jobs.yaml is invalid: 1 script error"},
		},
		{
			name: "unknown global is a warning",
			files: map[string]string{"scripts/warn.lua": "prnt(args.x)\n", "jobs.yaml": `sora: {url: http://127.0.0.1:3000/}
jobs:
  - {name: warn, schedule: "@hourly", script: scripts/warn.lua}
`},
			args:       []string{"check"},
			code:       cli.ExitOK,
			stderr:     []string{`scripts/warn.lua:1: warning: global 'prnt' is read but never assigned, and the sandbox has no such global (did you mean 'print'?) (job "warn")`},
			stdoutHave: []string{"jobs.yaml is valid: 1 job, 1 script warning (on stderr)"},
		},
		{
			name:   "missing file",
			files:  map[string]string{},
			args:   []string{"check", "-c", "nope.yaml"},
			code:   cli.ExitUsage,
			stderr: []string{"nope.yaml: cannot read: no such file or directory", "soracron: nope.yaml is invalid: 1 problem"},
		},
		{
			name:   "bad --from",
			files:  map[string]string{},
			args:   []string{"check", "--from", "tomorrow"},
			code:   cli.ExitUsage,
			stderr: []string{`soracron: --from "tomorrow": want an RFC 3339 time such as 2025-03-01T09:00:00+09:00`},
		},
		{
			name:   "file both as argument and -c",
			files:  map[string]string{},
			args:   []string{"check", "-c", "a.yaml", "b.yaml"},
			code:   cli.ExitUsage,
			stderr: []string{"soracron: give the jobs file either as an argument or with -c, not both"},
		},
		{
			name:   "two arguments",
			files:  map[string]string{},
			args:   []string{"check", "a.yaml", "b.yaml"},
			code:   cli.ExitUsage,
			stderr: []string{"accepts at most 1 arg(s), received 2"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkDir(t, tt.files)
			var stdout, stderr bytes.Buffer
			code := cli.Execute(context.Background(), tt.args, cli.App{
				Stdout: &stdout,
				Stderr: &stderr,
				Getenv: func(k string) string { return tt.env[k] },
			})
			if code != tt.code {
				t.Errorf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, stdout.String(), stderr.String())
			}
			if tt.stdout != "" && stdout.String() != tt.stdout {
				t.Errorf("stdout:\n%s\nwant:\n%s", stdout.String(), tt.stdout)
			}
			if tt.code != cli.ExitOK && stdout.Len() != 0 {
				t.Errorf("stdout of a failed check: %q", stdout.String())
			}
			for _, want := range tt.stderr {
				if !strings.Contains(stderr.String(), want) {
					t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
				}
			}
			for _, want := range tt.stdoutHave {
				if !strings.Contains(stdout.String(), want) {
					t.Errorf("stdout lacks %q:\n%s", want, stdout.String())
				}
			}
			if tt.code == cli.ExitOK && len(tt.stderr) == 0 && stderr.Len() != 0 {
				t.Errorf("stderr of a valid check: %q", stderr.String())
			}
		})
	}
}

// TestCheckNow checks the default start of the runs: now, so the first
// run shown is in the future.
func TestCheckNow(t *testing.T) {
	checkDir(t, map[string]string{"jobs.yaml": checkJobs, "scripts/ok.lua": okScript})
	var stdout, stderr bytes.Buffer
	code := cli.Execute(context.Background(), []string{"check"}, cli.App{
		Stdout: &stdout, Stderr: &stderr,
		Getenv: func(k string) string { return map[string]string{"SORA_URL": "http://h/"}[k] },
	})
	if code != cli.ExitOK {
		t.Fatalf("exit code %d\n%s", code, stderr.String())
	}
	if n := strings.Count(stdout.String(), " JST\n"); n != 3 {
		t.Errorf("%d run times in JST, want 3:\n%s", n, stdout.String())
	}
	// The first run of "morning" (09:00 Tokyo) is within a day from now.
	_, rest, _ := strings.Cut(stdout.String(), "job morning\n")
	_, rest, _ = strings.Cut(rest, "  next      ")
	line, _, _ := strings.Cut(rest, "\n")
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	next, err := time.ParseInLocation("Mon 2006-01-02 15:04:05 MST", line, tokyo)
	if err != nil {
		t.Fatalf("first run %q: %v", line, err)
	}
	if until := time.Until(next); until <= 0 || until > 24*time.Hour || next.Hour() != 9 {
		t.Errorf("first run %v is not the next 09:00 in Tokyo", next)
	}
}
