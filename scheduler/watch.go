package scheduler

import (
	"github.com/soracron/soracron/scheduler/fanout"
	"github.com/soracron/soracron/scheduler/history"
)

// ChangeKind says what an Change tells.
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

// Change is a change of the daemon's state, for live views (the
// dashboard's Server-Sent Events).
type Change struct {
	Kind    ChangeKind
	Job     string
	RunID   int64
	Outcome history.Outcome  // ChangeRunFinished only
	Log     *history.LogLine // ChangeLog only
	Index   int              // ChangeLog: the line's index in the run's log, from 0
}

// LiveLogs returns the log lines so far of the running run id, and
// whether it is running (in this daemon).
func (s *Scheduler) LiveLogs(id int64) ([]history.LogLine, bool) { return s.live.Lines(id) }

// subscriberBuffer is how many changes a subscriber may lag behind; a
// slower subscriber loses changes (counted by Dropped) rather than slowing
// runs down.
const subscriberBuffer = 256

// Subscribe returns a subscription to the changes of the daemon.
func (s *Scheduler) Subscribe() *fanout.Subscription[Change] {
	return s.changes.Subscribe(subscriberBuffer)
}

// publish sends ev to every subscriber, dropping it for those that lag.
func (s *Scheduler) publish(ev Change) { s.changes.Publish(ev) }

// listening reports whether anyone subscribed (to skip building changes).
func (s *Scheduler) listening() bool { return s.changes.Listening() }
