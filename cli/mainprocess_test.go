package cli_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"testing"

	"github.com/soracron/soracron/cli"
)

// mainArgsEnv carries the arguments of cli.Main to the helper process of
// mainCommand.
const mainArgsEnv = "SORACRON_TEST_MAIN_ARGS"

// TestMainHelperProcess is not a test: it is the soracron process that
// mainCommand starts.
func TestMainHelperProcess(t *testing.T) {
	raw := os.Getenv(mainArgsEnv)
	if raw == "" {
		t.Skip("helper process only")
	}
	var args []string
	if err := json.Unmarshal([]byte(raw), &args); err != nil {
		t.Fatal(err)
	}
	os.Exit(cli.Main(args, cli.Stdio()))
}

// mainCommand returns the command that runs `soracron args...` as a
// process of its own (the test binary run again), with the environment
// variables env added: for what only a whole process shows, such as a kill
// -9, its garbage collector or its exit.
func mainCommand(t *testing.T, args []string, env ...string) *exec.Cmd {
	t.Helper()
	raw, err := json.Marshal(args)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestMainHelperProcess$")
	cmd.Env = append(append(os.Environ(), mainArgsEnv+"="+string(raw)), env...)
	return cmd
}
