package cli

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/dustin/go-humanize"
	"github.com/spf13/cobra"

	"github.com/soracron/soracron/cli/completion"
	"github.com/soracron/soracron/cli/logformat"
	"github.com/soracron/soracron/cli/runreport"
	"github.com/soracron/soracron/cli/scriptargs"
	"github.com/soracron/soracron/cli/soraconn"
	"github.com/soracron/soracron/engine"
)

type runFlags struct {
	sora        soraconn.Flags
	args        []string
	argsJSON    string
	emulator    string
	dryRun      bool
	planJSON    string
	timeout     time.Duration
	concurrency int
	isolation   string
	memoryLimit string
	// parsed by checkRunFlags
	iso         engine.Isolation
	memLimit    int64
	logFormat   string
	logLevel    string
	job         string
	config      string
	allowHTTP   []string
	summaryJSON string
	// changed reports whether a flag was given on the command line.
	changed func(name string) bool
}

func newRunCmd(app *App) *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "run SCRIPT.lua [flags]",
		Short: "Run a Lua script once against Sora (or the built-in emulator)",
		Long: `Run a Lua script once. The script reads and changes signaling notify metadata
through require("sora"); whatever it returns is printed to stdout as JSON, logs and
a one-line summary go to stderr.

Sora is reached at --sora-url, else $SORA_URL; --emulator starts the built-in
emulator in-process instead (with a small demo channel "sora", or the fixture
given as --emulator=FILE) and prints the metadata it holds at the end.

Credentials stay off the command line: $SORA_API_TOKEN is sent as
"Authorization: Bearer TOKEN", and --header-file FILE (mode 600) holds headers,
one "Name: value" a line. For each header name, --header wins over --header-file,
which wins over $SORA_API_TOKEN.

With --dry-run no write is sent: writes go to an overlay that later reads of the
same run see, and the plan of what would have been written is printed at the end.

Exit codes: 0 success; 1 the script failed (error, return nil, err, timeout,
interrupted, memory limit); 2 usage error (bad flags, missing file, syntax error); 3 partial:
the script finished but some Sora writes failed after retries.`,
		Example: `  soracron run --emulator scripts/mark_busy.lua --arg minutes=10
  SORA_URL=http://127.0.0.1:3000/ soracron run scripts/set_key.lua --args-json '{"key":"role","value":"viewer"}' --dry-run
  soracron run --job mark-busy -c jobs.yaml`,
		Args: func(cmd *cobra.Command, args []string) error {
			if f.job != "" {
				if len(args) != 0 {
					return usageErr(errors.New("give either SCRIPT or --job, not both"))
				}
				return nil
			}
			if len(args) != 1 {
				return usageErr(fmt.Errorf("want one SCRIPT.lua, got %d arguments (see 'soracron run --help')", len(args)))
			}
			return nil
		},
		ValidArgsFunction: func(cmd *cobra.Command, args []string, prefix string) ([]cobra.Completion, cobra.ShellCompDirective) {
			if len(args) > 0 || cmd.Flags().Changed("job") {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			return completion.Lua(cmd, args, prefix)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			f.changed = cmd.Flags().Changed
			app.jsonErrors = strings.EqualFold(f.logFormat, "json")
			if err := f.checkOutputs(); err != nil {
				return err
			}
			defer withHeapFloor(app.Getenv)()
			if f.job != "" {
				return runJob(cmd.Context(), app, &f)
			}
			return runScript(cmd.Context(), app, &f, args[0])
		},
	}
	fs := cmd.Flags()
	f.sora.Register(fs)
	fs.StringArrayVar(&f.args, "arg", nil, "script argument KEY=VALUE, a string in args.KEY (repeatable)")
	fs.StringVar(&f.argsJSON, "args-json", "", "script arguments as a JSON object; values keep their JSON types")
	soraconn.EmulatorFlag(fs, &f.emulator, "run against the built-in emulator")
	fs.BoolVar(&f.dryRun, "dry-run", false, "send no write to Sora; print the plan of what would be written")
	fs.StringVar(&f.planJSON, "plan-json", "", "with --dry-run, also write the plan as JSON to this file (- for stdout)")
	fs.StringVar(&f.summaryJSON, "summary-json", "", "write the run's summary (outcome, duration, calls, failures, plan, result) as one JSON document to this file (- for stdout, instead of the result)")
	fs.DurationVar(&f.timeout, "timeout", 5*time.Minute, "stop the script after this long (0 = no limit)")
	fs.StringVar(&f.isolation, "isolation", "", "where the script runs: none (in this process) or process (a child process with --memory-limit, killed at the timeout)")
	fs.StringVar(&f.memoryLimit, "memory-limit", "", "with --isolation process, the run's memory limit, e.g. 256MiB (default 256MiB)")
	fs.IntVar(&f.concurrency, "concurrency", 16, "default concurrency of sora.batch and sora.update_all")
	fs.StringVar(&f.logFormat, "log-format", "text", "log format on stderr: text or json (json: every line on stderr is a JSON object)")
	fs.StringVar(&f.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	fs.StringArrayVar(&f.allowHTTP, "allow-http", nil, "let the script's http module reach HOST (host, host:port or *.domain; repeatable)")
	fs.StringVar(&f.job, "job", "", "run the job NAME of the jobs file once, as serve would")
	fs.StringVarP(&f.config, "config", "c", "jobs.yaml", "jobs file, with --job")
	return cmd
}

func runScript(ctx context.Context, app *App, f *runFlags, script string) error {
	if f.concurrency < 1 {
		return usageErr(errors.New("--concurrency must be at least 1"))
	}
	if err := checkRunFlags(f); err != nil {
		return err
	}
	if _, err := os.Stat(script); err != nil {
		return usageErr(fmt.Errorf("script: %w", err))
	}
	scriptArgs, err := scriptargs.Parse(f.args, f.argsJSON)
	if err != nil {
		return usageErr(err)
	}
	logger, err := logformat.New(app.Stderr, f.logFormat, f.logLevel)
	if err != nil {
		return usageErr(err)
	}
	tgt, client, err := f.sora.Connect(app.Getenv, warnTo(app), f.emulator, f.concurrency)
	if err != nil {
		return err
	}
	defer tgt.Close()
	defer client.CloseIdleConnections()

	eng := engine.New(engine.Options{Client: client, Logger: logger, Progress: f.progress(app),
		Child: childOptions(&f.sora.Resolved)})
	if err := eng.Compile(script); err != nil {
		return usageErr(err)
	}
	runLogger := logger.With(slog.String("run_id", newRunID()))
	res, err := eng.Run(ctx, engine.Request{
		Script:      script,
		Args:        scriptArgs,
		DryRun:      f.dryRun,
		Timeout:     f.timeout,
		Concurrency: f.concurrency,
		HTTPAllow:   f.allowHTTP,
		Logger:      runLogger,
		Isolation:   f.iso,
		MemoryLimit: f.memLimit,
	})
	return finishRun(app, f, runLogger, tgt, res, err)
}

func newRunID() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// checkRunFlags checks the flags of run that a script's run must not find
// wrong only after the script ran (and made its writes): --timeout and
// --plan-json.
func checkRunFlags(f *runFlags) error {
	if f.timeout < 0 {
		return usageErr(fmt.Errorf("--timeout %s: must not be negative (0 means no limit)", f.timeout))
	}
	iso, err := engine.ParseIsolation(f.isolation)
	if err != nil {
		return usageErr(fmt.Errorf("--%w", err))
	}
	f.iso = iso
	if f.memoryLimit != "" {
		if iso != engine.IsolationProcess && f.job == "" {
			return usageErr(errors.New("--memory-limit needs --isolation process"))
		}
		if f.memLimit, err = parseMemoryLimit(f.memoryLimit); err != nil {
			return usageErr(fmt.Errorf("--memory-limit: %w", err))
		}
	}
	if f.planJSON == "" {
		return nil
	}
	if !f.dryRun {
		return usageErr(errors.New("--plan-json needs --dry-run"))
	}
	if err := runreport.CheckWritable(f.planJSON); err != nil {
		return usageErr(fmt.Errorf("--plan-json: %w", err))
	}
	return nil
}

// parseMemoryLimit parses a memory limit such as 256MiB, 1GiB or 300MB
// (go-humanize's units), of at least engine.MinMemoryLimit.
func parseMemoryLimit(s string) (int64, error) {
	n, err := humanize.ParseBytes(s)
	if err != nil {
		return 0, fmt.Errorf("%q: want a size such as 256MiB or 1GiB", s)
	}
	if n < engine.MinMemoryLimit || n > 1<<50 {
		return 0, fmt.Errorf("%q: want at least %d MiB", s, engine.MinMemoryLimit>>20)
	}
	return int64(n), nil
}
