package attempt

import (
	"context"
	"log/slog"

	"github.com/soracron/soracron/engine"
	"github.com/soracron/soracron/jobs"
	"github.com/soracron/soracron/scheduler/clock"
	"github.com/soracron/soracron/scheduler/history"
	"github.com/soracron/soracron/scheduler/redact"
)

// OnceOptions configure RunOnce.
type OnceOptions struct {
	// Logger receives the run's logs (with the attribute job); nil
	// discards them.
	Logger *slog.Logger
	// Clock times the retries' backoff; the system clock when nil.
	Clock clock.Clock
	// Secrets are redacted from the logs and the error (the
	// configuration's Sora.SecretValues).
	Secrets []string
}

// OnceResult is what RunOnce did.
type OnceResult struct {
	// Result is the Result of the last attempt (never nil).
	Result *engine.Result
	// Outcome is the outcome of the last attempt.
	Outcome history.Outcome
	// Attempts is the number of attempts made.
	Attempts int
}

// RunOnce runs job j once in the foreground as the daemon would, with its
// args, timeout, dry_run, concurrency and retries (and their backoff), but
// without policy or history. It returns the last attempt's error. A panic
// of the runner is an error. It waits for no overlapping run: it is meant
// for `soracron run --job`.
func RunOnce(ctx context.Context, r Runner, j *jobs.Job, opts OnceOptions) (OnceResult, error) {
	clk := opts.Clock
	if clk == nil {
		clk = clock.System{}
	}
	base := opts.Logger
	if base == nil {
		base = slog.New(slog.DiscardHandler)
	}
	red := redact.New(opts.Secrets)
	log := slog.New(red.Handler(base.Handler()))
	var out OnceResult
	for attempt := 1; ; attempt++ {
		attrs := []slog.Attr{slog.String(keyJob, j.Name)}
		if attempt > 1 {
			attrs = append(attrs, slog.Int(keyAttempt, attempt))
		}
		logger := slog.New(log.Handler().WithAttrs(attrs))
		res, err := Call(ctx, r, engine.Request{
			Script: j.Script, Args: j.CopyArgs(), DryRun: j.DryRun, Timeout: j.Timeout,
			Concurrency: j.Concurrency, HTTPAllow: j.HTTPAllow, Logger: logger,
			Isolation: engine.Isolation(j.Isolation), MemoryLimit: j.MemoryLimit,
			Run: engine.RunInfo{Job: j.Name}, // no trigger, tick, id or node: not the daemon's run
		}, logger)
		if res == nil {
			res = &engine.Result{}
		}
		outcome, errText := Classify(ctx, res, err)
		out = OnceResult{Result: res, Outcome: outcome, Attempts: attempt}
		if !Retry(j, attempt, outcome, err) {
			if err != nil {
				return out, &redactedError{msg: red.String(errText), err: err}
			}
			return out, nil
		}
		logger.Warn("the run failed; retrying", slog.String(keyOutcome, string(outcome)),
			slog.String(keyError, errText), slog.Int(keyAttempt, attempt+1),
			slog.Int(keyMaxAttempts, j.Retries.Max+1), slog.Duration(keyBackoff, j.Retries.Backoff))
		if !clock.Sleep(clk, j.Retries.Backoff, ctx.Done()) {
			return out, &redactedError{msg: red.String(errText), err: err}
		}
	}
}

// redactedError is an error whose text has its secrets redacted; Unwrap
// still gives the original (for errors.As on *engine.ScriptError).
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }
