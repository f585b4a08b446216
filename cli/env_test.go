package cli

import (
	"context"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

func TestEnvName(t *testing.T) {
	for flag, want := range map[string]string{
		"listen":           "SORACRON_LISTEN",
		"request-timeout":  "SORACRON_REQUEST_TIMEOUT",
		"shutdown-timeout": "SORACRON_SHUTDOWN_TIMEOUT",
		"header-file":      "SORACRON_HEADER_FILE",
	} {
		if got := EnvName(flag); got != want {
			t.Errorf("EnvName(%q) = %q, want %q", flag, got, want)
		}
	}
}

// TestEveryFlagHasAVariable walks the whole command tree, hidden commands
// and cobra's own (completion) included: every flag but --help and
// --version names its variable in its help, and setting that variable
// sets the flag.
func TestEveryFlagHasAVariable(t *testing.T) {
	root, _ := newRootCmd(&App{Getenv: func(string) string { return "" }})
	var walk func(*cobra.Command)
	n := 0
	walk = func(c *cobra.Command) {
		for _, fs := range []*pflag.FlagSet{c.Flags(), c.PersistentFlags()} {
			fs.VisitAll(func(f *pflag.Flag) {
				if f.Name == "help" || f.Name == "version" {
					return
				}
				n++
				want := "[$" + EnvName(f.Name) + "]"
				if strings.Count(f.Usage, want) != 1 {
					t.Errorf("%s --%s: usage %q does not name %s once", c.CommandPath(), f.Name, f.Usage, want)
				}
			})
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	if n < 40 {
		t.Errorf("only %d flags seen; the walk missed commands", n)
	}
	// The help shows it.
	_, out, _ := runCLI(t, context.Background(), nil, "serve", "--help")
	for _, want := range []string{"[$SORACRON_LISTEN]", "[$SORACRON_SHUTDOWN_TIMEOUT]", "[$SORACRON_HEADER_FILE]"} {
		if !strings.Contains(out, want) {
			t.Errorf("serve --help lacks %s", want)
		}
	}
}

// envProbe adds a command with one flag of each kind under a fresh root,
// runs it with args and env, and returns what the flags hold.
type envProbe struct {
	dur      string
	n        int
	b        bool
	list     []string
	optional string
	argsSeen []string
}

func runEnvProbe(t *testing.T, env map[string]string, args ...string) (*envProbe, int, string) {
	t.Helper()
	var p envProbe
	var stderr strings.Builder
	app := &App{Getenv: func(k string) string { return env[k] }, Stderr: &stderr, Stdout: &stderr}
	root, binder := newRootCmd(app)
	cmd := &cobra.Command{
		Use: "probe",
		Args: func(cmd *cobra.Command, args []string) error {
			p.argsSeen = append(p.argsSeen, p.optional) // the variables are applied before Args
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			p.dur = cmd.Flags().Lookup("wait").Value.String()
			return nil
		},
	}
	cmd.Flags().Duration("wait", 0, "a duration")
	cmd.Flags().IntVar(&p.n, "count", 1, "an int")
	cmd.Flags().BoolVar(&p.b, "dry-run", false, "a bool")
	cmd.Flags().StringArrayVar(&p.list, "header", nil, "repeatable")
	cmd.Flags().StringVar(&p.optional, "emulator", "", "optional value")
	cmd.Flags().Lookup("emulator").NoOptDefVal = "demo"
	root.AddCommand(cmd)
	binder.Bind(root)
	root.SetArgs(args)
	root.SetOut(&stderr)
	root.SetErr(&stderr)
	err := root.Execute()
	code := 0
	if err != nil {
		code = ExitUsage
		stderr.WriteString(binder.Explain(err).Error())
	}
	return &p, code, stderr.String()
}

func TestEnvSetsFlags(t *testing.T) {
	tests := []struct {
		name     string
		env      map[string]string
		args     []string
		wantDur  string
		wantN    int
		wantB    bool
		wantList []string
		wantOpt  string
	}{
		{"defaults", nil, nil, "0s", 1, false, nil, ""},
		{"every kind from the environment", map[string]string{
			"SORACRON_WAIT": "90s", "SORACRON_COUNT": "7", "SORACRON_DRY_RUN": "true",
			"SORACRON_HEADER": "A: 1\n\nB: 2, 3\n", "SORACRON_EMULATOR": "true",
		}, nil, "1m30s", 7, true, []string{"A: 1", "B: 2, 3"}, "demo"},
		{"the command line wins", map[string]string{
			"SORACRON_WAIT": "90s", "SORACRON_COUNT": "7", "SORACRON_DRY_RUN": "true",
			"SORACRON_HEADER": "A: 1", "SORACRON_EMULATOR": "fixture.yaml",
		}, []string{"--wait", "1s", "--count", "2", "--dry-run=false", "--header", "C: 4", "--emulator=x.yaml"},
			"1s", 2, false, []string{"C: 4"}, "x.yaml"},
		{"an empty variable is unset", map[string]string{"SORACRON_COUNT": "", "SORACRON_WAIT": ""}, nil, "0s", 1, false, nil, ""},
		{"a file value for an optional-value flag", map[string]string{"SORACRON_EMULATOR": "f.yaml"}, nil, "0s", 1, false, nil, "f.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, code, out := runEnvProbe(t, tt.env, append([]string{"probe"}, tt.args...)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, out)
			}
			if p.dur != tt.wantDur || p.n != tt.wantN || p.b != tt.wantB || p.optional != tt.wantOpt ||
				strings.Join(p.list, "|") != strings.Join(tt.wantList, "|") {
				t.Errorf("got wait=%s count=%d dry-run=%v header=%q emulator=%q, want %s %d %v %q %q",
					p.dur, p.n, p.b, p.list, p.optional, tt.wantDur, tt.wantN, tt.wantB, tt.wantList, tt.wantOpt)
			}
			if len(p.argsSeen) != 1 || p.argsSeen[0] != tt.wantOpt {
				t.Errorf("Args saw --emulator=%q, want the variable applied before Args (%q)", p.argsSeen, tt.wantOpt)
			}
		})
	}
}

func TestEnvInvalidValuesNameTheVariable(t *testing.T) {
	_, code, out := runEnvProbe(t, map[string]string{"SORACRON_WAIT": "5x", "SORACRON_COUNT": "many", "SORACRON_DRY_RUN": "yes"}, "probe")
	if code != ExitUsage {
		t.Fatalf("exit %d, want 2: %s", code, out)
	}
	for _, want := range []string{
		`environment variable SORACRON_WAIT: invalid value for --wait (duration): time: unknown unit "x"`,
		`environment variable SORACRON_COUNT: invalid value for --count (int)`,
		`environment variable SORACRON_DRY_RUN: invalid value for --dry-run (bool)`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// TestEnvInRealCommands checks the variables through the real commands,
// and that an error about a flag set by a variable names the variable.
func TestEnvInRealCommands(t *testing.T) {
	dir := t.TempDir()
	script := writeScript(t, dir, "ok.lua", `return {dry = require("sora").dry_run, n = args.n}`)
	tests := []struct {
		name       string
		env        map[string]string
		args       []string
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{"SORACRON_DRY_RUN and SORACRON_ARG", map[string]string{"SORACRON_DRY_RUN": "1", "SORACRON_ARG": "n=5", "SORACRON_EMULATOR": "true"},
			[]string{"run", script}, 0, "{\n  \"dry\": true,\n  \"n\": \"5\"\n}\n", "planned (dry run)"},
		{"a flag on the command line wins", map[string]string{"SORACRON_ARG": "n=5", "SORACRON_EMULATOR": "true"},
			[]string{"run", script, "--arg", "n=6"}, 0, "{\n  \"dry\": false,\n  \"n\": \"6\"\n}\n", "soracron: ok"},
		{"semantic error names the variable", map[string]string{"SORACRON_CONCURRENCY": "0", "SORACRON_EMULATOR": "true"},
			[]string{"run", script}, 2, "", "--concurrency must be at least 1 (--concurrency was set by the environment variable SORACRON_CONCURRENCY)"},
		{"the same error from the command line does not", map[string]string{"SORACRON_EMULATOR": "true"},
			[]string{"run", script, "--concurrency", "0"}, 2, "", "soracron: --concurrency must be at least 1\n"},
		{"SORACRON_JOB decides run's arguments", map[string]string{"SORACRON_JOB": "x"},
			[]string{"run", script}, 2, "", "give either SCRIPT or --job, not both"},
		{"invalid variable of serve", map[string]string{"SORACRON_SHUTDOWN_TIMEOUT": "soon"},
			[]string{"serve"}, 2, "", "environment variable SORACRON_SHUTDOWN_TIMEOUT: invalid value for --shutdown-timeout (duration)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, context.Background(), tt.env, tt.args...)
			if code != tt.wantCode || stdout != tt.wantStdout || !strings.Contains(stderr, tt.wantStderr) {
				t.Errorf("exit %d, stdout %q, stderr:\n%s\nwant exit %d, stdout %q, stderr containing %q",
					code, stdout, stderr, tt.wantCode, tt.wantStdout, tt.wantStderr)
			}
		})
	}
}
