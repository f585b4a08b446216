package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"github.com/soracron/soracron/cli/logformat"
	"github.com/soracron/soracron/cli/scriptargs"
	"github.com/soracron/soracron/cli/soraconn"
	"github.com/soracron/soracron/engine"
	"github.com/soracron/soracron/jobs"
	"github.com/soracron/soracron/scheduler/attempt"
	"github.com/soracron/soracron/sora"
)

// runJob runs the job f.job of the jobs file f.config once in the
// foreground, as serve would: the job's args (with --arg / --args-json
// merged over them), timeout, dry_run (or --dry-run), concurrency and
// retries. Sora is the file's sora section, unless --sora-url or --emulator
// say otherwise. Flags given on the command line or by their variables
// (--timeout, --concurrency, --header, --header-file, --request-timeout,
// --retries and the TLS flags) and $SORA_API_TOKEN override the file.
// Nothing is recorded in the history.
func runJob(ctx context.Context, app *App, f *runFlags) error {
	if err := checkRunFlags(f); err != nil {
		return err
	}
	extra, err := scriptargs.Parse(f.args, f.argsJSON)
	if err != nil {
		return usageErr(err)
	}
	logger, err := logformat.New(app.Stderr, f.logFormat, f.logLevel)
	if err != nil {
		return usageErr(err)
	}
	cfg, err := loadJobs(app, f.config)
	if err != nil {
		return err
	}
	cj := cfg.Job(f.job)
	if cj == nil {
		names := make([]string, len(cfg.Jobs))
		for i, j := range cfg.Jobs {
			names[i] = j.Name
		}
		return usageErr(fmt.Errorf("%s has no job %q (jobs: %s)", f.config, f.job, strings.Join(names, ", ")))
	}
	job := *cj
	job.DryRun = job.DryRun || f.dryRun
	job.HTTPAllow = append(slices.Clone(job.HTTPAllow), f.allowHTTP...)
	if err := overrideJob(app, f, &job, &cfg.Sora); err != nil {
		return usageErr(err)
	}
	if len(extra) > 0 {
		args := make(map[string]any, len(job.Args)+len(extra))
		for k, v := range job.Args {
			args[k] = v
		}
		for k, v := range extra {
			args[k] = v
		}
		job.Args = args
	}

	tgt := soraconn.Remote(cfg.Sora.URL)
	if f.emulator != "" {
		if tgt, err = soraconn.Resolve(app.Getenv, f.sora.URL, f.emulator); err != nil {
			return err
		}
		cfg.Sora.URL = tgt.URL
	}
	defer tgt.Close()
	soraCfg := soraconn.ClientConfig(cfg, nil)
	client, err := sora.New(soraCfg)
	if err != nil {
		return usageErr(err)
	}
	defer client.CloseIdleConnections()

	eng := engine.New(engine.Options{Client: client, Logger: logger, Progress: f.progress(app), Child: childOptions(&soraCfg)})
	if err := eng.Compile(job.Script); err != nil {
		return usageErr(err)
	}
	runLogger := logger.With(slog.String("run_id", newRunID()))
	out, runErr := attempt.RunOnce(ctx, eng, &job, attempt.OnceOptions{
		Logger:  runLogger,
		Secrets: cfg.Sora.SecretValues,
	})
	if out.Attempts > 1 {
		if app.jsonErrors {
			logger.Warn("job attempts", slog.String("job", job.Name), slog.Int("attempts", out.Attempts), slog.String("outcome", string(out.Outcome)))
		} else {
			fmt.Fprintf(app.Stderr, "soracron: job %s: %d attempts, the last one %s\n", job.Name, out.Attempts, out.Outcome)
		}
	}
	ff := *f
	ff.dryRun = job.DryRun
	return finishRun(app, &ff, runLogger, tgt, out.Result, runErr)
}

// overrideJob applies the flags given on the command line over the job and
// the sora section of the jobs file.
func overrideJob(app *App, f *runFlags, job *jobs.Job, sc *jobs.SoraConfig) error {
	changed := f.changed
	if changed == nil {
		changed = func(string) bool { return false }
	}
	if changed("timeout") {
		job.Timeout = f.timeout
	}
	if changed("isolation") {
		job.Isolation = string(f.iso)
	}
	if changed("memory-limit") {
		job.MemoryLimit = f.memLimit
	}
	if job.MemoryLimit != 0 && job.Isolation != jobs.IsolationProcess {
		return errors.New("--memory-limit needs --isolation process (or isolation: process in the job)")
	}
	if changed("concurrency") {
		if f.concurrency < 1 {
			return errors.New("--concurrency must be at least 1")
		}
		job.Concurrency = f.concurrency
	}
	return f.sora.Override(app.Getenv, sc, changed, warnTo(app))
}
