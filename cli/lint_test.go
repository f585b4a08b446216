package cli_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/soracron/soracron/cli"
)

func TestLint(t *testing.T) {
	files := map[string]string{
		"scripts/ok.lua":         "local sora = require(\"sora\")\nreturn sora.list(args.channel_id)\n",
		"scripts/lib/typo.lua":   "local json = require(\"json\")\nreturn json.encod({})\n",
		"scripts/warn.lua":       "return prnt\n",
		"scripts/syntax.lua":     "local = 1\n",
		"scripts/lib/notlua.txt": "sora.lst()",
	}
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout []string
		stderr string
	}{
		{"clean file", []string{"lint", "scripts/ok.lua"}, cli.ExitOK, nil, "soracron: 1 file checked: 0 errors, 0 warnings"},
		{"warning only", []string{"lint", "scripts/ok.lua", "scripts/warn.lua"}, cli.ExitOK,
			[]string{"scripts/warn.lua:1: warning: global 'prnt' is read but never assigned"}, "2 files checked: 0 errors, 1 warning"},
		{"directory", []string{"lint", "scripts"}, cli.ExitUsage,
			[]string{"scripts/lib/typo.lua:2: error: json has no field 'encod' (did you mean 'encode'?)", "scripts/syntax.lua:1: error: syntax error:"},
			"soracron: 4 files checked: 2 errors, 1 warning"},
		{"no argument", []string{"lint"}, cli.ExitUsage, nil, "want at least one SCRIPT.lua or directory"},
		{"missing file", []string{"lint", "nope.lua"}, cli.ExitUsage, nil, "nope.lua: no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkDir(t, files)
			var stdout, stderr bytes.Buffer
			code := cli.Execute(context.Background(), tt.args, cli.App{Stdout: &stdout, Stderr: &stderr})
			if code != tt.code || !strings.Contains(stderr.String(), tt.stderr) {
				t.Errorf("exit %d (want %d), stderr %q (want %q)", code, tt.code, stderr.String(), tt.stderr)
			}
			for _, want := range tt.stdout {
				if !strings.Contains(stdout.String(), want) {
					t.Errorf("stdout lacks %q:\n%s", want, stdout.String())
				}
			}
		})
	}
}
