package scheduler

import "github.com/soracron/soracron/scheduler/attempt"

// Attribute keys of the daemon's log lines.
const (
	keyJob          = "job"
	keyEventType    = "event_type"
	keyConnectionID = "connection_id"
	keyEventID      = "event_id"
	keyRunID        = "run_id"
	keyRunningID    = "running_run_id"
	keyReplacedID   = "replaced_run_id"
	keyAttempt      = "attempt"
	keyMaxAttempts  = "max_attempts"
	keyTrigger      = "trigger"
	keyScheduled    = "scheduled"
	keyScript       = "script"
	keyOutcome      = "outcome"
	keyDuration     = "duration"
	keyCalls        = "calls"
	keyWrites       = "writes"
	keyError        = "error"
	keyTraceback    = "traceback"
	keyPanic        = "panic"
	keyStack        = "stack"
	keyBackoff      = "backoff"
	keyReason       = "reason"
	keyNode         = "node"
	keyMissed       = "missed"
	keyLate         = "late"
	keyRunning      = "running"
	keyTimeout      = "timeout"
	keyJobs         = "jobs"
	keyFile         = "file"
	keyAdded        = "added"
	keyRemoved      = "removed"
	keyChanged      = "changed"
	keyMethod       = "method"
	keyPath         = "path"
)

// PlanMessage is the message of the log line that records a dry run's
// plan: its attribute "changes" is the list of bindings/plan.Change.
const PlanMessage = attempt.PlanMessage
