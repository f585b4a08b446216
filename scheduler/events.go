package scheduler

import (
	"sync"
	"sync/atomic"

	"github.com/soracron/soracron/scheduler/history"
)

// EventKind says what an Event tells.
type EventKind string

// The kinds of events.
const (
	// EventRunStarted: a run began (its history row exists).
	EventRunStarted EventKind = "run_started"
	// EventRunFinished: a run ended and is recorded.
	EventRunFinished EventKind = "run_finished"
	// EventLog: a run logged a line (Log, secrets redacted).
	EventLog EventKind = "log"
	// EventJob: a job was suspended or resumed, or the configuration
	// was reloaded (Job empty).
	EventJob EventKind = "job"
)

// Event is a change of the daemon's state, for live views (the
// dashboard's Server-Sent Events).
type Event struct {
	Kind    EventKind
	Job     string
	RunID   int64
	Outcome history.Outcome  // EventRunFinished only
	Log     *history.LogLine // EventLog only
	Index   int              // EventLog: the line's index in the run's log, from 0
}

// LiveLogs returns the log lines so far of the running run id, and
// whether it is running (in this daemon).
func (s *Scheduler) LiveLogs(id int64) ([]history.LogLine, bool) {
	s.mu.Lock()
	buf := s.live[id]
	s.mu.Unlock()
	if buf == nil {
		return nil, false
	}
	return buf.Lines(), true
}

// setLive registers (or, with nil, forgets) the log buffer of a running run.
func (s *Scheduler) setLive(id int64, buf *history.LogBuffer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if buf == nil {
		delete(s.live, id)
		return
	}
	if s.live == nil {
		s.live = map[int64]*history.LogBuffer{}
	}
	s.live[id] = buf
}

// subscriberBuffer is how many events a subscriber may lag behind; a
// slower subscriber loses events (counted by Dropped) rather than slowing
// runs down.
const subscriberBuffer = 256

// events fans events out to subscribers without ever blocking a run.
type events struct {
	n    atomic.Int32 // subscribers, read without the lock on the hot path
	mu   sync.Mutex
	subs map[*Subscription]struct{}
}

// Subscription receives the daemon's events on C until Close.
type Subscription struct {
	// C receives the events. Events are dropped (Dropped counts them)
	// when the subscriber lags behind by more than a few hundred.
	C       <-chan Event
	c       chan Event
	dropped atomic.Int64
	e       *events
	once    sync.Once
}

// Dropped returns how many events the subscriber lost by lagging behind.
func (sub *Subscription) Dropped() int64 { return sub.dropped.Load() }

// Close ends the subscription; C is not closed.
func (sub *Subscription) Close() {
	sub.once.Do(func() {
		sub.e.mu.Lock()
		delete(sub.e.subs, sub)
		sub.e.n.Add(-1)
		sub.e.mu.Unlock()
	})
}

// Subscribe returns a subscription to the daemon's events.
func (s *Scheduler) Subscribe() *Subscription {
	c := make(chan Event, subscriberBuffer)
	sub := &Subscription{C: c, c: c, e: &s.events}
	s.events.mu.Lock()
	if s.events.subs == nil {
		s.events.subs = map[*Subscription]struct{}{}
	}
	s.events.subs[sub] = struct{}{}
	s.events.n.Add(1)
	s.events.mu.Unlock()
	return sub
}

// publish sends ev to every subscriber, dropping it for those that lag.
func (s *Scheduler) publish(ev Event) {
	if s.events.n.Load() == 0 {
		return
	}
	s.events.mu.Lock()
	defer s.events.mu.Unlock()
	for sub := range s.events.subs {
		select {
		case sub.c <- ev:
		default:
			sub.dropped.Add(1)
		}
	}
}

// listening reports whether anyone subscribed (to skip building events).
func (s *Scheduler) listening() bool { return s.events.n.Load() > 0 }
