package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRunBadFlagsBeforeTheScript: flags that are wrong are usage errors
// (exit 2) found before the script runs: a negative --timeout (as
// jobs.yaml refuses), --args-json with a number out of range or a key
// given twice (at any depth), an unwritable --plan-json, a control
// character in --header (a CR or LF would split the request).
func TestRunBadFlagsBeforeTheScript(t *testing.T) {
	dir := t.TempDir()
	script := writeScript(t, dir, "mark.lua", `print("the script ran") return 1`)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"negative timeout", []string{"--timeout", "-1s"}, "--timeout -1s: must not be negative"},
		{"negative timeout ms", []string{"--timeout=-5ms"}, "must not be negative"},
		{"args-json 1e400", []string{"--args-json", `{"n": 1e400}`}, "number 1e400 at args.n is out of range"},
		{"args-json -1e999 in an array", []string{"--args-json", `{"a": [1, -1e999]}`}, "number -1e999 at args.a[1] is out of range"},
		{"args-json duplicate key", []string{"--args-json", `{"a": 1, "a": 2}`}, `key "a" given twice in the top-level object`},
		{"args-json nested duplicate key", []string{"--args-json", `{"o": {"x": 1, "x": 2}}`}, `key "x" given twice in args.o`},
		{"plan-json in a missing directory", []string{"--dry-run", "--plan-json", filepath.Join(dir, "nope", "plan.json")}, "--plan-json:"},
		{"plan-json a directory", []string{"--dry-run", "--plan-json", dir}, "is not a regular file"},
		{"isolation unknown", []string{"--isolation", "container"}, `--isolation "container": want none or process`},
		{"memory-limit without isolation", []string{"--memory-limit", "256MiB"}, "--memory-limit needs --isolation process"},
		{"memory-limit too small", []string{"--isolation", "process", "--memory-limit", "1MiB"}, `--memory-limit: "1MiB": want at least 16 MiB`},
		{"memory-limit not a size", []string{"--isolation", "process", "--memory-limit", "lots"}, "want a size such as 256MiB"},
		{"header CRLF", []string{"--header", "X-A: b\r\nX-Injected: c"}, "control character"},
		{"header LF in name", []string{"--header", "X\nA: b"}, "control character"},
		{"header NUL", []string{"--header", "X-A: b\x00"}, "control character"},
		{"header bad name", []string{"--header", "X(A): b"}, "is not allowed in a header name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"run", "--emulator", script}, tt.args...)
			code, _, stderr := runCLI(t, context.Background(), nil, args...)
			if code != 2 || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr:\n%s\nwant exit 2 and %q", code, stderr, tt.want)
			}
			if strings.Contains(stderr, "the script ran") {
				t.Error("the script ran")
			}
		})
	}
	t.Run("plan-json checked without a trace", func(t *testing.T) {
		plan := filepath.Join(dir, "plan.json")
		code, _, stderr := runCLI(t, context.Background(), nil, "run", "--emulator", script, "--dry-run", "--plan-json", plan)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		if _, err := os.Stat(plan); err != nil {
			t.Errorf("no plan written: %v", err)
		}
	})
}

// TestRunScriptHeaders: a UTF-8 byte order mark or a "#!" first line is
// accepted; line numbers stay those of the file.
func TestRunScriptHeaders(t *testing.T) {
	dir := t.TempDir()
	for name, head := range map[string]string{"shebang": "#!/usr/bin/env -S soracron run\n", "bom": "\xEF\xBB\xBF", "bom and shebang": "\xEF\xBB\xBF#!/bin/sh\n"} {
		t.Run(name, func(t *testing.T) {
			p := writeScript(t, dir, strings.ReplaceAll(name, " ", "_")+".lua", head+"local x = 1\nerror('at ' .. x)\n")
			code, _, stderr := runCLI(t, context.Background(), nil, "run", "--emulator", p)
			line := "2"
			if strings.Contains(head, "\n") {
				line = "3"
			}
			if code != 1 || !strings.Contains(stderr, p+":"+line+": at 1") {
				t.Errorf("exit %d, stderr:\n%s", code, stderr)
			}
		})
	}
}
