package cli

import (
	"context"
	"io"

	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/soracron/soracron/cli/completion"
)

func TestCompletion(t *testing.T) {
	dir := t.TempDir()
	jobs := filepath.Join(dir, "prod.yaml")
	// ${VAR}s that are not set must not stop completion.
	if err := os.WriteFile(jobs, []byte(`sora: {url: "${UNSET_URL}"}
jobs:
  - {name: nightly, schedule: "0 3 * * *", script: a.lua}
  - {name: hourly, schedule: "@hourly", script: a.lua}
  - {name: noon, schedule: "0 12 * * *", script: a.lua}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string // the exact output
	}{
		{"run --job from -c", nil, []string{"run", "-c", jobs, "--job", "n"},
			"nightly\t0 3 * * *\nnoon\t0 12 * * *\n:4\n"},
		{"run --job from SORACRON_CONFIG", map[string]string{"SORACRON_CONFIG": jobs}, []string{"run", "--job", "h"},
			"hourly\t@hourly\n:4\n"},
		{"run --job, no jobs file", nil, []string{"run", "-c", filepath.Join(dir, "none.yaml"), "--job", ""}, ":4\n"},
		{"run --log-format", nil, []string{"run", "--log-format", ""}, "text\njson\n:4\n"},
		{"serve --log-level", nil, []string{"serve", "--log-level", ""}, "debug\ninfo\nwarn\nerror\n:4\n"},
		{"run script argument", nil, []string{"run", ""}, "lua\n:8\n"},
		{"run after its script", nil, []string{"run", "a.lua", ""}, ":4\n"},
		{"run with --job takes no script", nil, []string{"run", "--job", "x", ""}, ":4\n"},
		{"test paths", nil, []string{"test", ""}, "lua\n:8\n"},
		{"serve --config", nil, []string{"serve", "--config", ""}, "yaml\nyml\n:8\n"},
		{"trigger JOB from SORACRON_CONFIG", map[string]string{"SORACRON_CONFIG": jobs}, []string{"trigger", "no"}, "noon\t0 12 * * *\n:4\n"},
		{"suspend JOB", map[string]string{"SORACRON_CONFIG": jobs}, []string{"suspend", ""}, "nightly\t0 3 * * *\nhourly\t@hourly\nnoon\t0 12 * * *\n:4\n"},
		{"trigger takes one JOB", map[string]string{"SORACRON_CONFIG": jobs}, []string{"trigger", "noon", ""}, ":4\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, stderr := runCLI(t, context.Background(), tt.env, append([]string{"__complete"}, tt.args...)...)
			if code != 0 || out != tt.want {
				t.Errorf("exit %d, output %q, want %q (stderr %s)", code, out, tt.want, stderr)
			}
		})
	}
}

// TestCompleteArgsAnnotation: a command added later completes job names
// by saying so in its annotations.
func TestCompleteArgsAnnotation(t *testing.T) {
	dir := t.TempDir()
	jobs := filepath.Join(dir, "jobs.yaml")
	if err := os.WriteFile(jobs, []byte("jobs:\n  - {name: alpha}\n  - {name: beta}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	app := &App{Getenv: func(k string) string { return map[string]string{"SORACRON_CONFIG": jobs}[k] }, Stdout: &out, Stderr: io.Discard}
	root, _ := newRootCmd(app)
	later := &cobra.Command{Use: "later NAME", Annotations: map[string]string{CompleteArgs: "job"}, RunE: func(*cobra.Command, []string) error { return nil }}
	later.Flags().StringP("config", "c", "jobs.yaml", "jobs file")
	root.AddCommand(later)
	completion.Register(root, app.Getenv)
	root.SetArgs([]string{"__complete", "later", "b"})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != "beta\n:4\n" {
		t.Errorf("got %q", got)
	}
}

func TestCompletionScripts(t *testing.T) {
	for shell, want := range map[string]string{
		"bash": "__start_soracron",
		"zsh":  "#compdef soracron",
		"fish": "complete -c soracron",
	} {
		t.Run(shell, func(t *testing.T) {
			code, out, stderr := runCLI(t, context.Background(), nil, "completion", shell)
			if code != 0 || !strings.Contains(out, want) {
				t.Errorf("exit %d, output lacks %q (stderr %s)", code, want, stderr)
			}
		})
	}
}
