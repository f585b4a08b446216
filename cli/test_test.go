package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/soracron/soracron/cli"
)

// luaTestCLI runs `soracron test args...` in-process.
func luaTestCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := cli.Execute(context.Background(), append([]string{"test"}, args...), cli.App{Stdout: &stdout, Stderr: &stderr})
	return code, stdout.String(), stderr.String()
}

// lastLine is the last non-empty line of s.
func lastLine(s string) string {
	ls := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return ls[len(ls)-1]
}

func TestTestCommandFailingFile(t *testing.T) {
	const file = "testdata/luatest/failing_test.lua"
	code, stdout, stderr := luaTestCLI(t, file)
	if code != cli.ExitFailure {
		t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, cli.ExitFailure, stdout, stderr)
	}
	for _, want := range []string{
		"--- ok: passes (",
		"--- FAIL: wrong expectation (" + file + ":14)\n" +
			"    t.eq failed\n" +
			"      - want status: \"online\"\n" +
			"      + got  status: \"away\"\n",
		"--- FAIL: script error (" + file + ":19)\n" +
			"    t.eq failed: the script must succeed\n" +
			"      - want nil\n" +
			"      + got  testing.error: testdata/luatest/set_status.lua:5: args.status is required\n",
		"    log:\n      level=INFO msg=\"t.run failed\"",
		"FAIL " + file + " (1 passed, 2 failed, ",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q\nstdout:\n%s", want, stdout)
		}
	}
	if got := lastLine(stdout); got != "1 passed, 2 failed" {
		t.Errorf("count line = %q, want %q", got, "1 passed, 2 failed")
	}
	if !strings.Contains(stderr, "2 of 3 tests failed") {
		t.Errorf("stderr = %q", stderr)
	}
}

func TestTestCommandJSON(t *testing.T) {
	code, stdout, stderr := luaTestCLI(t, "--json", "--run", "expectation|passes", "testdata/luatest")
	if code != cli.ExitFailure {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	type result struct {
		Name       string   `json:"name"`
		File       string   `json:"file"`
		OK         bool     `json:"ok"`
		DurationMS *float64 `json:"duration_ms"`
		Error      string   `json:"error"`
		Line       int      `json:"line"`
	}
	var results []result
	for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
		var r result
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("stdout line %q is not JSON: %v", line, err)
		}
		results = append(results, r)
	}
	if len(results) != 2 {
		t.Fatalf("results = %+v, want 2 (--run selects 2 of 3)", results)
	}
	file := filepath.Join("testdata", "luatest", "failing_test.lua")
	if r := results[0]; r.Name != "passes" || !r.OK || r.File != file || r.DurationMS == nil || r.Error != "" {
		t.Errorf("first = %+v", r)
	}
	if r := results[1]; r.Name != "wrong expectation" || r.OK || r.Line != 14 || !strings.Contains(r.Error, "- want status: \"online\"") {
		t.Errorf("second = %+v", r)
	}
	if !strings.Contains(stderr, "1 passed, 1 failed\n") {
		t.Errorf("stderr lacks the count: %q", stderr)
	}
}

func TestTestCommandExitCodes(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) string {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	ok := write("ok/a_test.lua", "local t = require('testing')\nt.test('one', function() t.eq(1, 1) end)\nt.test('two', function() end)\n")
	syntax := write("syntax/b_test.lua", "local t = require('testing')\nt.test('x', function()\n")
	write("empty/readme.txt", "")
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string // last line
		stderr string
	}{
		{"all pass", []string{filepath.Dir(ok)}, cli.ExitOK, "2 passed, 0 failed", ""},
		{"filter", []string{"--run", "^tw", ok}, cli.ExitOK, "1 passed, 0 failed", ""},
		{"filter matches nothing", []string{"--run", "zzz", ok}, cli.ExitOK, "0 passed, 0 failed", "no test matches --run"},
		{"syntax error", []string{syntax}, cli.ExitUsage, "0 passed, 1 failed", "1 test file with syntax errors"},
		{"bad regexp", []string{"--run", "(", ok}, cli.ExitUsage, "", "--run: error parsing regexp"},
		{"no test files", []string{filepath.Join(dir, "empty")}, cli.ExitUsage, "", "no test files"},
		{"missing path", []string{filepath.Join(dir, "nope")}, cli.ExitUsage, "", "no such file"},
		{"bad timeout", []string{"--timeout", "0s", ok}, cli.ExitUsage, "", "--timeout must be positive"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := luaTestCLI(t, tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, stdout, stderr)
			}
			if tc.stdout != "" && lastLine(stdout) != tc.stdout {
				t.Errorf("last line %q, want %q\n%s", lastLine(stdout), tc.stdout, stdout)
			}
			if tc.stdout == "" && stdout != "" {
				t.Errorf("stdout = %q, want nothing", stdout)
			}
			if !strings.Contains(stderr, tc.stderr) {
				t.Errorf("stderr %q lacks %q", stderr, tc.stderr)
			}
		})
	}
}
