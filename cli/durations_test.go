package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDurationFlagsPositive: every duration flag that bounds something
// refuses zero and negative values (exit 2) before anything starts.
func TestDurationFlagsPositive(t *testing.T) {
	dir := t.TempDir()
	script := writeScript(t, dir, "mark.lua", `print("the script ran") return 1`)
	cfg := filepath.Join(dir, "jobs.yaml")
	if err := os.WriteFile(cfg, []byte("sora: {url: \"http://127.0.0.1:1/\"}\njobs:\n  - {name: a, schedule: \"@every 1h\", script: mark.lua}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	serve := []string{"serve", "-c", cfg, "--listen", "127.0.0.1:0", "--state", filepath.Join(dir, "state.db")}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"run --request-timeout negative", []string{"run", "--emulator", script, "--request-timeout=-1s"}, "--request-timeout must be positive"},
		{"run --request-timeout zero", []string{"run", "--emulator", script, "--request-timeout", "0s"}, "--request-timeout must be positive"},
		{"serve --request-timeout negative", append(serve, "--request-timeout=-1s"), "--request-timeout must be positive"},
		{"serve --request-timeout zero", append(serve, "--request-timeout=0s"), "--request-timeout must be positive"},
		{"serve --shutdown-timeout negative", append(serve, "--shutdown-timeout=-1s"), "--shutdown-timeout must be positive"},
		{"serve --shutdown-timeout zero", append(serve, "--shutdown-timeout=0s"), "--shutdown-timeout must be positive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, context.Background(), nil, tt.args...)
			if code != 2 || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr:\n%s\nwant exit 2 and %q", code, stderr, tt.want)
			}
			if strings.Contains(stderr, "the script ran") || strings.Contains(stderr, "serve started") {
				t.Error("it started")
			}
		})
	}
}
