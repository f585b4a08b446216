package cli_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/soracron/soracron/cli"
)

// TestRunContext: outside the daemon, require("run") has no trigger, tick,
// id or node; `soracron run --job` names the job, a script run by path has
// no job either.
func TestRunContext(t *testing.T) {
	_, url, conn := serveEmulator(t)
	dir := serveDir(t)
	jobs := writeServeJobs(t, dir, `
sora: {url: "{{url}}"}
jobs:
  - name: ctx
    schedule: "@every 1s"
    script: scripts/runinfo.lua
`, url, conn)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"--job", []string{"run", "-c", jobs, "--job", "ctx"}, `job=ctx trigger=nil scheduled=nil id=nil node=nil`},
		{"a script by path", []string{"run", "--sora-url", url, filepath.Join(dir, "scripts", "runinfo.lua")}, `job=nil trigger=nil scheduled=nil id=nil node=nil`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := cli.Execute(context.Background(), tc.args, cli.App{Stdout: &stdout, Stderr: &stderr, Getenv: func(string) string { return "" }})
			if code != 0 || !strings.Contains(stdout.String(), tc.want) {
				t.Errorf("exit %d, stdout %q, want %q; stderr:\n%s", code, stdout.String(), tc.want, stderr.String())
			}
		})
	}
}
