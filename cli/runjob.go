package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/soracron/soracron/engine"
	"github.com/soracron/soracron/jobs"
	"github.com/soracron/soracron/scheduler"
	"github.com/soracron/soracron/sora"
)

// runJob runs the job f.job of the jobs file f.config once in the
// foreground, as serve would: the job's args (with --arg / --args-json
// merged over them), timeout, dry_run (or --dry-run), concurrency and
// retries. Sora is the file's sora section, unless --sora-url or --emulator
// say otherwise. Flags given on the command line (--timeout, --concurrency,
// --header, --request-timeout, --retries and the TLS flags) override the
// file. Nothing is recorded in the history.
func runJob(ctx context.Context, app *App, f *runFlags) error {
	if f.planJSON != "" && !f.dryRun {
		return usageErr(errors.New("--plan-json needs --dry-run"))
	}
	extra, err := parseScriptArgs(f.args, f.argsJSON)
	if err != nil {
		return usageErr(err)
	}
	logger, err := newLogger(app.Stderr, f.logFormat, f.logLevel)
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
	if err := overrideJob(f, &job, &cfg.Sora); err != nil {
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

	tgt := &target{url: cfg.Sora.URL, dump: func(io.Writer) {}, close: func() {}}
	switch {
	case f.emulator != "" || f.sora.url != "":
		if tgt, err = resolveTarget(app, &f.sora, f.emulator); err != nil {
			return err
		}
		cfg.Sora.URL = tgt.url
	}
	defer tgt.close()
	client, err := sora.New(clientConfig(cfg, nil))
	if err != nil {
		return usageErr(err)
	}
	defer client.CloseIdleConnections()

	eng := engine.New(engine.Options{Client: client, Logger: logger, Progress: f.progress(app)})
	if err := eng.Compile(job.Script); err != nil {
		return usageErr(err)
	}
	runLogger := logger.With(slog.String("run_id", newRunID()))
	out, runErr := scheduler.RunOnce(ctx, eng, &job, scheduler.OnceOptions{
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
func overrideJob(f *runFlags, job *jobs.Job, sc *jobs.SoraConfig) error {
	changed := f.changed
	if changed == nil {
		changed = func(string) bool { return false }
	}
	if changed("timeout") {
		job.Timeout = f.timeout
	}
	if changed("concurrency") {
		if f.concurrency < 1 {
			return errors.New("--concurrency must be at least 1")
		}
		job.Concurrency = f.concurrency
	}
	if changed("request-timeout") {
		sc.Timeout = f.sora.timeout
	}
	if changed("retries") {
		if f.sora.retries < 0 {
			return errors.New("--retries must not be negative")
		}
		sc.Retries = f.sora.retries
	}
	if len(f.sora.headers) > 0 {
		h, err := parseHeaders(f.sora.headers)
		if err != nil {
			return err
		}
		headers := make(map[string]string, len(sc.Headers)+len(h))
		for k, v := range sc.Headers {
			headers[k] = v
		}
		for k := range h {
			headers[k] = h.Get(k)
		}
		sc.Headers = headers
	}
	if f.sora.caFile != "" {
		sc.CAFile = f.sora.caFile
	}
	if f.sora.certFile != "" || f.sora.keyFile != "" {
		sc.CertFile, sc.KeyFile = f.sora.certFile, f.sora.keyFile
	}
	if f.sora.insecure {
		sc.Insecure = true
	}
	return nil
}
