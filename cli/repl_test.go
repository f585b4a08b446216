package cli_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/soracron/soracron/cli"
)

// replCLI runs `soracron repl args...` in-process with input as stdin.
func replCLI(t *testing.T, input string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	app := cli.App{Stdin: strings.NewReader(input), Stdout: &stdout, Stderr: &stderr}
	code := cli.Execute(context.Background(), append([]string{"repl"}, args...), app)
	return code, stdout.String(), stderr.String()
}

func TestRepl(t *testing.T) {
	const conn = "0FQE5EA5YN3FS13P01QZ1JG8R0" // of the demo channel
	tests := []struct {
		name   string
		input  string
		code   int
		stdout string
		stderr []string
	}{
		{
			name:   "expressions print as JSON",
			input:  "1 + 1\n\"text\"\n{a = {1, 2}, b = json.null, c = {}}\nnil\nreturn 1, true\n",
			code:   cli.ExitOK,
			stdout: "2\n\"text\"\n{\n  \"a\": [\n    1,\n    2\n  ],\n  \"b\": null,\n  \"c\": {}\n}\nnil\n1\ntrue\n",
		},
		{
			name:   "statements, globals and print",
			input:  "x = 40\nlocal y = 1\nprint(\"x is\", x, y)\nx + 2\n",
			code:   cli.ExitOK,
			stdout: "x is\t40\tnil\n42\n",
		},
		{
			name:   "multi-line input",
			input:  "function twice(v)\n  return 2 * v\nend\ntwice(\n  21\n)\nt = {\n  k = [[long\nstring]],\n}\nt.k\n",
			code:   cli.ExitOK,
			stdout: "42\n\"long\\nstring\"\n",
		},
		{
			name:   "sora against the emulator",
			input:  "sora.get(\"sora\", \"" + conn + "\").status\nsora.put_item(\"sora\", \"" + conn + "\", \"status\", \"away\").status\nsora.get(\"sora\", \"" + conn + "\").status\n#sora.list(\"sora\")\n",
			code:   cli.ExitOK,
			stdout: "\"busy\"\n\"away\"\n\"away\"\n5\n",
		},
		{
			name:   "errors are shown and the session goes on",
			input:  "nosuch.field\nx = = 1\nerror(\"boom\")\nsora.get(\"sora\", \"nope\")\n\"still here\"\n",
			code:   cli.ExitFailure,
			stdout: "nil\n{\n  \"body\": {\n    \"error_type\": \"connection_not_found\",\n    \"message\": \"connection \\\"nope\\\" is not connected in channel \\\"sora\\\"\"\n  },\n  \"message\": \"connection \\\"nope\\\" is not connected in channel \\\"sora\\\"\",\n  \"op\": \"sora.get\",\n  \"status\": 400,\n  \"target\": \"Sora_20201124.GetSignalingNotifyMetadata\",\n  \"type\": \"connection_not_found\"\n}\n\"still here\"\n",
			stderr: []string{
				"error: stdin:1: attempt to index a non-table object(nil) with key 'field'\n",
				"error: stdin:1: syntax error near '='\n",
				"error: stdin:1: boom\n",
				"soracron: 3 of 5 inputs failed\n",
			},
		},
		{
			name:   "input ending inside a block",
			input:  "for i = 1, 2 do\n  print(i)\n",
			code:   cli.ExitFailure,
			stderr: []string{"error: stdin:2: syntax error near <eof>"},
		},
		{
			name:   "values without a JSON form",
			input:  "json\nprint\n",
			code:   cli.ExitOK,
			stdout: "{\n  array = function: ",
		},
		{
			name:   "the sandbox of scripts",
			input:  "io == nil and os.execute == nil and type(args) == \"table\" and next(args) == nil\n",
			code:   cli.ExitOK,
			stdout: "true\n",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := replCLI(t, tc.input, "--emulator")
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, stdout, stderr)
			}
			if strings.HasSuffix(tc.stdout, "\n") && stdout != tc.stdout || !strings.HasPrefix(stdout, tc.stdout) {
				t.Errorf("stdout:\n%s\nwant:\n%s", stdout, tc.stdout)
			}
			for _, want := range tc.stderr {
				if !strings.Contains(stderr, want) {
					t.Errorf("stderr lacks %q\nstderr:\n%s", want, stderr)
				}
			}
		})
	}
}

func TestReplUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no Sora", nil, "no Sora API URL"},
		{"both targets", []string{"--emulator", "--sora-url", "http://127.0.0.1:1/"}, "not both"},
		{"bad header", []string{"--emulator", "--header", "nocolon"}, "want 'Name: value'"},
		{"arguments", []string{"--emulator", "script.lua"}, "unknown command"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := replCLI(t, "1\n", tc.args...)
			if code != cli.ExitUsage || !strings.Contains(stderr, tc.want) {
				t.Fatalf("exit %d, stderr %q; want %d and %q", code, stderr, cli.ExitUsage, tc.want)
			}
		})
	}
}
