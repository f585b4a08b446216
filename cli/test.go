package cli

import (
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/spf13/cobra"

	"github.com/soracron/soracron/luatest"
)

type testFlags struct {
	run     string
	json    bool
	verbose bool
	timeout time.Duration
}

func newTestCmd(app *App) *cobra.Command {
	var f testFlags
	cmd := &cobra.Command{
		Use:   "test [PATH ...]",
		Short: "Run the Lua tests of scripts (*_test.lua) against fresh emulators",
		Long: `Run Lua test files: every *_test.lua under the given paths (default "."),
searched recursively; directories named testdata or starting with "." or "_"
are skipped unless given themselves. A file given by name runs whatever its name.

A test file registers tests with require("testing"):

  local t = require("testing")
  t.fixture({sora = {{connection_id = t.id("C1"), metadata = {status = "busy", since = 0}}}})
  t.test("marks long-busy connections away", function()
    local result, err = t.run("mark_busy.lua", {minutes = 10}, {now = 3600})
    t.eq(err, nil)
    t.eq(t.metadata("sora", t.id("C1")).status, "away")
  end)

Every test starts from a fresh in-process emulator (on a loopback port) loaded
with the fixture; t.run runs a script through the real engine against it. Script
paths are relative to the working directory, else to the test file's directory.
See docs/lua-api.md for the whole testing module.

Output is one line per test ("--- ok: NAME (1ms)" or "--- FAIL: NAME (FILE:LINE)"
followed by the message and the test's logs), one line per file, and the count
"N passed, N failed" at the end. --json writes one JSON object per test to stdout
instead (name, file, ok, duration_ms, error, where, line, output) and the count
to stderr.

Exit codes: 0 all tests passed; 1 a test failed (or a file failed to load);
2 usage error (bad flags, no test files, a syntax error in a test file or a
module it requires).`,
		Example: `  soracron test
  soracron test scripts/
  soracron test --run 'away|busy' -v scripts/mark_busy_test.lua
  soracron test --json scripts/ > results.ndjson`,
		Annotations: map[string]string{CompleteArgs: "lua"},
		RunE: func(cmd *cobra.Command, args []string) error {
			return runTests(cmd, app, &f, args)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&f.run, "run", "", "run only the tests whose name matches this Go regular expression")
	fs.BoolVar(&f.json, "json", false, "write one JSON object per test to stdout")
	fs.BoolVarP(&f.verbose, "verbose", "v", false, "show the logs of passing tests too")
	fs.DurationVar(&f.timeout, "timeout", luatest.DefaultTimeout, "fail a test that runs longer than this")
	return cmd
}

func runTests(cmd *cobra.Command, app *App, f *testFlags, paths []string) error {
	opts := luatest.Options{Timeout: f.timeout}
	if f.timeout <= 0 {
		return usageErr(errors.New("--timeout must be positive"))
	}
	if f.run != "" {
		re, err := regexp.Compile(f.run)
		if err != nil {
			return usageErr(fmt.Errorf("--run: %w", err))
		}
		opts.Filter = re
	}
	files, err := luatest.Find(paths)
	if err != nil {
		return usageErr(err)
	}
	countTo := app.Stdout
	if f.json {
		opts.Reporter = &luatest.JSONReporter{W: app.Stdout}
		countTo = app.Stderr
	} else {
		opts.Reporter = &luatest.TextReporter{W: app.Stdout, Verbose: f.verbose}
	}
	sum := luatest.Run(cmd.Context(), files, opts)
	fmt.Fprintf(countTo, "%d passed, %d failed\n", sum.Passed, sum.Failed)
	switch {
	case cmd.Context().Err() != nil:
		return failErr(errors.New("interrupted"))
	case sum.SyntaxErrors > 0:
		return usageErr(fmt.Errorf("%s with syntax errors", countOf(sum.SyntaxErrors, "test file")))
	case sum.Failed > 0:
		return failErr(fmt.Errorf("%d of %s failed", sum.Failed, countOf(sum.Passed+sum.Failed, "test")))
	case sum.Passed == 0 && f.run != "":
		fmt.Fprintf(app.Stderr, "soracron: warning: no test matches --run %q\n", f.run)
	}
	return nil
}
