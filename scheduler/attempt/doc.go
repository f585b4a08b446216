// Package attempt is one attempt of a job's script, made the same way by
// the daemon (package scheduler) and by `soracron run --job`: Call hands
// it to the Runner (*engine.Engine), a panic of the runner becoming an
// error; Classify maps its result and error to the outcome recorded in the
// history (ok, partial, failed, timeout, cancelled, interrupted) and the
// error text; Retry says whether the job's retries policy makes another
// attempt; Row is what the history records of its end, FinishLater records
// it when the history could not at first (a full disk). RunOnce makes a
// job's attempts in the foreground, with its retries and their backoff but
// without concurrency policy or history.
package attempt

// Attribute keys of the log lines of this package: the daemon's (see
// scheduler/log.go).
const (
	keyJob         = "job"
	keyRunID       = "run_id"
	keyAttempt     = "attempt"
	keyMaxAttempts = "max_attempts"
	keyOutcome     = "outcome"
	keyError       = "error"
	keyBackoff     = "backoff"
	keyPanic       = "panic"
	keyStack       = "stack"
	keyTraceback   = "traceback"
	keyChanges     = "changes"
)
