// Package scheduler is soracron's cron daemon (`soracron serve`): it starts
// the runs of the jobs of a jobs.Config when they are due, applies their
// concurrency policies, timeouts and retries, and records every run in the
// history (package scheduler/history). The HTTP API that shows and
// triggers the jobs is package scheduler/api, the dashboard
// scheduler/ui; jobs.yaml itself is package jobs.
//
// # How a run happens
//
// tick: Run loops on the Clock (package scheduler/clock). Each turn
// (dispatchDue, tick.go) looks at every job whose next time has come,
// computes the following one from the job's robfig/cron schedule, and
// sleeps until the earliest next time (at most 30s, so that jumps of the
// wall clock are noticed). Ticks missed while the process was paused are
// recorded missed or caught up as the job's catch_up says (missed.go,
// package scheduler/catchup).
//
// policy: for each due job, startLocked (policy.go) applies the job's
// concurrency_policy against its runs in progress: forbid records a
// skipped run, allow starts another, replace cancels the running ones and
// starts a run that waits for them to end. Trigger (trigger.go) goes
// through the same policy for manual runs, events.go for the runs of
// Sora's events (queued in order per connection by package
// scheduler/eventq).
//
// launch: the decisions are made under the scheduler's lock and collected
// in a launch (launch.go); the goroutines start once the lock is released.
// A chain (chain.go) is one triggering of a job: its first attempt and its
// retries; it counts as running until its last attempt ends, and stops
// counting (retire) before that attempt's end is visible, so whoever sees
// a run finished can start the next one.
//
// run: runChain (run.go) hands each attempt to the Runner (*engine.Engine)
// with the job's args, timeout, dry_run and concurrency; package
// scheduler/attempt makes the call, classifies its outcome (ok, partial,
// failed, timeout, cancelled, interrupted) and says whether a retry
// follows; failed runs are retried after their backoff. Its RunOnce runs a
// job the same way in the foreground, for `soracron run --job`.
//
// history: each attempt is one row of the history. The row is created
// concurrently with the start of the script (the run's log lines, package
// scheduler/runlog, wait for its id), and finished with the outcome, the
// counts of Sora calls and writes, the return value and the captured log
// lines.
//
// # Around the runs
//
// Bursts (package scheduler/burst): when many jobs are due at the same
// instant, their scripts start first; the start gate holds history writes
// back while runs are starting, and the prewarm loop builds the sandboxes
// of the runs due soon while the daemon is idle.
//
// The daemon logs through slog with constant attribute keys (log.go); the
// secret values of the configuration are replaced by redact.Redacted in
// the logs, errors, history and notifications (package scheduler/redact).
// Metrics are Prometheus metrics in a registry of their own (package
// scheduler/metrics); notifications are delivered in the background
// (package scheduler/notify, notifications.go); the changes of runs and
// jobs reach live views through Subscribe (watch.go, package
// scheduler/fanout). Suspended jobs start no scheduled run (suspend.go;
// package scheduler/suspension stores them, in etcd in cluster mode). In
// cluster mode (clustered.go, early.go) every tick and manual run is
// claimed first through etcd (package scheduler/cluster); package
// scheduler/clusterrun decides what to claim when, and what the answers
// mean.
//
// Reload swaps the configuration atomically; runs in progress keep the
// configuration they started with.
package scheduler
