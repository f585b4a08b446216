// Package scripts_test runs the Lua tests of the example scripts.
package scripts_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/soracron/soracron/cli"
)

// TestScripts runs `soracron test scripts/` from the repository root, as
// the README tells users to, and checks that every registered test passed.
func TestScripts(t *testing.T) {
	scripts, err := filepath.Glob("*.lua")
	if err != nil {
		t.Fatal(err)
	}
	registered := 0
	testRE := regexp.MustCompile(`(?m)^t\.test\(`)
	for _, s := range scripts {
		if strings.HasSuffix(s, "_test.lua") {
			continue
		}
		src, err := os.ReadFile(strings.TrimSuffix(s, ".lua") + "_test.lua")
		if err != nil {
			t.Errorf("%s has no test file: %v", s, err)
			continue
		}
		n := len(testRE.FindAll(src, -1))
		if n == 0 {
			t.Errorf("%s registers no test", strings.TrimSuffix(s, ".lua")+"_test.lua")
		}
		registered += n
	}
	t.Chdir("..")
	var stdout, stderr bytes.Buffer
	code := cli.Execute(context.Background(), []string{"test", "scripts/"}, cli.App{Stdout: &stdout, Stderr: &stderr})
	if code != cli.ExitOK {
		t.Fatalf("soracron test scripts/: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
	want := fmt.Sprintf("%d passed, 0 failed", registered)
	lines := strings.Split(strings.TrimRight(stdout.String(), "\n"), "\n")
	if got := lines[len(lines)-1]; got != want {
		t.Errorf("count line = %q, want %q\n%s", got, want, stdout.String())
	}
	if strings.Contains(stdout.String(), "--- FAIL") || stderr.Len() != 0 {
		t.Errorf("stdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
	}
}
