// Package scheduler is soracron's cron daemon (`soracron serve`): it starts
// the runs of the jobs of a jobs.Config when they are due, applies their
// concurrency policies, timeouts and retries, and records every run in the
// history (package scheduler/history). The HTTP API that shows and
// triggers the jobs is package scheduler/api; jobs.yaml itself is package
// jobs.
//
// # How a run happens
//
// tick: Run loops on the Clock. Each turn (dispatchDue, tick.go) looks at
// every job whose next time has come, computes the following one from the
// job's robfig/cron schedule, and sleeps until the earliest next time (at
// most 30s, so that jumps of the wall clock are noticed). Runs missed while
// the process was paused are not caught up: a late job runs once, with a
// warning, then follows its schedule.
//
// policy: for each due job, startLocked (policy.go) applies the job's
// concurrency_policy against its runs in progress: forbid records a
// skipped run, allow starts another, replace cancels the running ones and
// starts a run that waits for them to end. Trigger (trigger.go) goes
// through the same policy for manual runs.
//
// launch: the decisions are made under the scheduler's lock and collected
// in a launch (launch.go); the goroutines start once the lock is released.
// A chain (chain.go) is one triggering of a job: its first attempt and its
// retries; it counts as running until its last attempt is recorded.
//
// run: runChain (run.go) hands each attempt to the Runner (*engine.Engine)
// with the job's args, timeout, dry_run and concurrency, classifies its
// outcome (ok, failed, timeout, cancelled), and retries failed runs after
// their backoff. RunOnce (once.go) runs a job the same way in the
// foreground, without policy or history, for `soracron run --job`.
//
// history: each attempt is one row of the history. The row is created
// concurrently with the start of the script (the run's log lines wait for
// its id), and finished with the outcome, the counts of Sora calls and
// writes, the return value and the captured log lines.
//
// # Bursts
//
// When many jobs are due at the same instant, their scripts start first:
// the start gate (gate.go) holds history writes back while runs are
// starting, and the prewarm loop (prewarm.go) builds the sandboxes of the
// runs due soon while the daemon is idle, when the Runner is a Prewarmer.
//
// # Logs, secrets and metrics
//
// The daemon logs through slog with constant attribute keys (log.go); the
// secret values of the configuration (sora.headers, the URL's password)
// are replaced by Redacted in the logs, errors and history (redact.go).
// Metrics (metrics.go) are Prometheus metrics in a registry of their own.
//
// Reload swaps the configuration atomically; runs in progress keep the
// configuration they started with.
package scheduler
