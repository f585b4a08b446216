package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/soracron/soracron/cli/completion"
	"github.com/soracron/soracron/cli/exitcode"
	"github.com/soracron/soracron/cli/flagenv"
)

// Exit codes shared by every subcommand (see package exitcode).
const (
	ExitOK      = exitcode.OK      // success
	ExitFailure = exitcode.Failure // the script or job failed (error, timeout, cancelled)
	ExitUsage   = exitcode.Usage   // usage error: bad flags, missing file, invalid config, syntax error
	ExitPartial = exitcode.Partial // the script finished but some Sora writes failed after retries (run)
)

// App carries the process environment into the commands, so tests can run
// them in-process with their own streams and environment.
type App struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Getenv reads the environment (os.Getenv in the real process).
	Getenv func(string) string
	// jsonErrors makes Execute write its error as a JSON log line (set by
	// commands given --log-format json).
	jsonErrors bool
	// StderrIsTerminal enables progress bars and colours.
	StderrIsTerminal bool
}

// Stdio returns the App of the real process.
func Stdio() App {
	return App{
		Stdin:            os.Stdin,
		Stdout:           os.Stdout,
		Stderr:           os.Stderr,
		Getenv:           os.Getenv,
		StderrIsTerminal: isTerminal(os.Stderr),
	}
}

// ExitError carries an exit code with the error that caused it.
type ExitError = exitcode.Error

// EnvPrefix starts the names of the environment variables that set flags
// (package flagenv).
const EnvPrefix = flagenv.Prefix

// EnvName returns the environment variable that sets the flag name:
// --request-timeout is SORACRON_REQUEST_TIMEOUT.
func EnvName(flag string) string { return flagenv.Name(flag) }

// CompleteArgs is the key of a command's Annotations that says what its
// positional arguments are, for shell completion: "job" or "lua" (package
// completion).
const CompleteArgs = completion.Args

// usageErr marks err as a usage error (exit code 2).
func usageErr(err error) error { return exitcode.UsageError(err) }

// failErr marks err as a failure (exit code 1).
func failErr(err error) error { return exitcode.Failed(err) }

// Main runs soracron with args (without the program name) and returns the
// process exit code. SIGINT and SIGTERM cancel the command's context.
func Main(args []string, app App) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return Execute(ctx, args, app)
}

// Execute runs one command line with the given context and returns its exit code.
func Execute(ctx context.Context, args []string, app App) int {
	if app.Getenv == nil {
		app.Getenv = func(string) string { return "" }
	}
	app.jsonErrors = runWithJSONLogs(args, app.Getenv)
	root, env := newRootCmd(&app)
	root.SetArgs(args)
	root.SetIn(app.Stdin)
	root.SetOut(app.Stdout)
	root.SetErr(app.Stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	code := ExitUsage // errors cobra raises itself (unknown command or flag) are usage errors
	var ee *ExitError
	if errors.As(err, &ee) {
		code, err = ee.Code, ee.Err
	}
	if err != nil && err.Error() != "" {
		if code == ExitUsage {
			err = env.Explain(err)
		}
		printError(&app, err)
	}
	return code
}

// newRootCmd builds the command tree. Every flag of every command can be
// set from the environment (package flagenv), whichever file adds it.
func newRootCmd(app *App) (*cobra.Command, *flagenv.Binder) {
	info := readBuildInfo()
	root := &cobra.Command{
		Use:   "soracron",
		Short: "Lua automation of Sora signaling notify metadata, on demand or on cron schedules",
		Long: `soracron runs Lua scripts that read and change the signaling notify metadata of
Sora connections (List, Get, Put, Delete, PutItem, DeleteItem, with or without push),
once from the command line or on cron schedules from jobs.yaml, with dry-run plans,
timeouts, retries, overlap control and run history. It ships an emulator of the Sora
API so scripts and tests run without a Sora server.

Every flag of every command can also be set from the environment: --log-level
is SORACRON_LOG_LEVEL (upper case, dashes as underscores; each flag's help names
its variable). A flag on the command line wins over its variable, which wins over
jobs.yaml, which wins over the default. Repeatable flags (--header, --arg) take
one value per line; "true" gives a flag with an optional value (--emulator) bare;
an empty variable counts as unset.`,
		Version:       info.Version,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetVersionTemplate(info.String())
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageErr(fmt.Errorf("%w (see '%s --help')", err, c.CommandPath()))
	})
	root.AddCommand(subcommands(app)...)
	// The completion command takes its output stream when it is made.
	root.SetOut(app.Stdout)
	root.SetErr(app.Stderr)
	root.InitDefaultCompletionCmd()
	env := flagenv.New(app.Getenv)
	env.Bind(root)
	completion.Register(root, app.Getenv)
	return root, env
}

// runWithJSONLogs reports whether args are of `soracron run` with
// --log-format json (or $SORACRON_LOG_FORMAT json), so that even an error
// found while parsing the flags is written as JSON.
func runWithJSONLogs(args []string, getenv func(string) string) bool {
	if len(args) == 0 || args[0] != "run" {
		return false
	}
	json := strings.EqualFold(getenv(EnvPrefix+"LOG_FORMAT"), "json")
	for i, a := range args {
		switch {
		case a == "--":
			return json
		case strings.HasPrefix(a, "--log-format="):
			json = strings.EqualFold(strings.TrimPrefix(a, "--log-format="), "json")
		case a == "--log-format" && i+1 < len(args):
			json = strings.EqualFold(args[i+1], "json")
		}
	}
	return json
}
