package scheduler

import (
	"github.com/soracron/soracron/scheduler/fanout"
	"github.com/soracron/soracron/scheduler/history"
)

// LiveLogs returns the log lines so far of the running run id, and
// whether it is running (in this daemon).
func (s *Scheduler) LiveLogs(id int64) ([]history.LogLine, bool) { return s.live.Lines(id) }

// subscriberBuffer is how many changes a subscriber may lag behind; a
// slower subscriber loses changes (counted by Dropped) rather than slowing
// runs down.
const subscriberBuffer = 256

// Subscribe returns a subscription to the changes of the daemon.
func (s *Scheduler) Subscribe() *fanout.Subscription[fanout.Change] {
	return s.changes.Subscribe(subscriberBuffer)
}

// publish sends ev to every subscriber, dropping it for those that lag.
func (s *Scheduler) publish(ev fanout.Change) { s.changes.Publish(ev) }

// listening reports whether anyone subscribed (to skip building changes).
func (s *Scheduler) listening() bool { return s.changes.Listening() }
