package attempt

import (
	"context"
	"errors"
	"fmt"

	sorastats "github.com/soracron/soracron/bindings/sora/stats"
	"github.com/soracron/soracron/engine"
	"github.com/soracron/soracron/jobs"
	"github.com/soracron/soracron/scheduler/cluster"
	"github.com/soracron/soracron/scheduler/history"
)

// Classify maps the result and error of a run whose context is ctx to its
// outcome and error text.
func Classify(ctx context.Context, res *engine.Result, err error) (history.Outcome, string) {
	if err == nil && res.Partial() {
		return history.OutcomePartial, partialText(res.Stats)
	}
	if err == nil {
		return history.OutcomeOK, ""
	}
	if cause := context.Cause(ctx); ctx.Err() != nil && errors.Is(cause, cluster.ErrSessionLost) {
		return history.OutcomeInterrupted, "interrupted: " + cause.Error()
	}
	var se *engine.ScriptError
	switch {
	case errors.As(err, &se) && se.Kind == engine.Timeout,
		!errors.As(err, &se) && errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil:
		return history.OutcomeTimeout, err.Error()
	case errors.As(err, &se) && se.Kind == engine.Cancelled,
		!errors.As(err, &se) && errors.Is(err, context.Canceled):
		msg := "cancelled"
		if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) {
			msg = "cancelled: " + cause.Error()
		}
		return history.OutcomeCancelled, msg
	}
	if ctx.Err() != nil {
		// The script failed because it was cancelled (e.g. an API call
		// returned the context's error and the script raised it).
		msg := "cancelled"
		if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) {
			msg = "cancelled: " + cause.Error()
		}
		return history.OutcomeCancelled, msg + " (" + err.Error() + ")"
	}
	return history.OutcomeFailed, err.Error()
}

// partialText is the error text of a partial run: how many writes failed,
// and the first failure.
func partialText(st sorastats.Stats) string {
	n := st.Unhandled()
	msg := fmt.Sprintf("partial: %d write", n)
	if n != 1 {
		msg += "s"
	}
	msg += " failed after retries"
	for _, f := range st.Failed {
		if f.Error != "" {
			return msg + "; first: " + f.Error
		}
	}
	return msg
}

// Retry reports whether attempt (counted from 1) of j, which ended with
// outcome and err, is followed by another: failed runs are retried up to
// j.Retries.Max times, and so are partial ones (update and update_all
// write only what is still different, so a re-run repairs exactly the
// missing part), timed-out ones only with retries.on_timeout, cancelled
// ones and scripts that do not compile never.
func Retry(j *jobs.Job, attempt int, outcome history.Outcome, err error) bool {
	if attempt > j.Retries.Max {
		return false
	}
	var se *engine.ScriptError
	switch {
	case errors.As(err, &se) && se.Kind == engine.Syntax:
		return false
	case outcome == history.OutcomeFailed, outcome == history.OutcomePartial:
		return true
	case outcome == history.OutcomeTimeout:
		return j.Retries.OnTimeout
	}
	return false
}
