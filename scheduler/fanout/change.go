package fanout

import "github.com/soracron/soracron/scheduler/history"

// ChangeKind says what a Change tells.
type ChangeKind string

// The kinds of changes.
const (
	// ChangeRunStarted: a run began (its history row exists).
	ChangeRunStarted ChangeKind = "run_started"
	// ChangeRunFinished: a run ended and is recorded.
	ChangeRunFinished ChangeKind = "run_finished"
	// ChangeLog: a run logged a line (Log, secrets redacted).
	ChangeLog ChangeKind = "log"
	// ChangeJob: a job was suspended or resumed, or the configuration
	// was reloaded (Job empty).
	ChangeJob ChangeKind = "job"
)

// Change is a change of the daemon's state (package scheduler), for live
// views (the dashboard's Server-Sent Events).
type Change struct {
	Kind    ChangeKind
	Job     string
	RunID   int64
	Outcome history.Outcome  // ChangeRunFinished only
	Log     *history.LogLine // ChangeLog only
	Index   int              // ChangeLog: the line's index in the run's log, from 0
}
