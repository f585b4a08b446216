package daemonclient

import (
	"fmt"
	"io"
	"time"

	"github.com/soracron/soracron/cli/exitcode"
	"github.com/soracron/soracron/scheduler/api"
	"github.com/soracron/soracron/scheduler/history"
)

// Finished reports a run that has ended, as trigger --wait does: as JSON
// on stdout, or its log lines on stdout and a line of its outcome,
// duration, calls and writes on stderr.
func Finished(stdout, stderr io.Writer, r *api.RunInfo, asJSON bool) error {
	if asJSON {
		return WriteJSON(stdout, r)
	}
	LogLines(stdout, r.Logs)
	dur := ""
	if r.DurationSeconds != nil {
		dur = ", " + time.Duration(*r.DurationSeconds*float64(time.Second)).Round(time.Millisecond).String()
	}
	fmt.Fprintf(stderr, "run %d: %s%s, %d calls, %d writes\n", r.ID, r.Outcome, dur, r.Calls, r.Writes)
	return nil
}

// Outcome is the error, with the exit code of 'soracron run', of a run
// that has ended: nil when ok, exit 3 when partial, 1 otherwise.
func Outcome(r *api.RunInfo) error {
	switch r.Outcome {
	case history.OutcomeOK:
		return nil
	case "partial":
		return &exitcode.Error{Code: exitcode.Partial, Err: fmt.Errorf("run %d: partial: %s", r.ID, r.Error)}
	default:
		return exitcode.Failed(fmt.Errorf("run %d: %s: %s", r.ID, r.Outcome, r.Error))
	}
}
