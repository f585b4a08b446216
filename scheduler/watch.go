package scheduler

import (
	"sync"
	"sync/atomic"

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

// subscriberBuffer is how many changes a subscriber may lag behind; a
// slower subscriber loses changes (counted by Dropped) rather than slowing
// runs down.
const subscriberBuffer = 256

// changes fans changes out to subscribers without ever blocking a run.
type changes struct {
	n    atomic.Int32 // subscribers, read without the lock on the hot path
	mu   sync.Mutex
	subs map[*Subscription]struct{}
}

// Subscription receives the changes of the daemon on C until Close.
type Subscription struct {
	// C receives the changes. Changes are dropped (Dropped counts them)
	// when the subscriber lags behind by more than a few hundred.
	C       <-chan Change
	c       chan Change
	dropped atomic.Int64
	e       *changes
	once    sync.Once
}

// Dropped returns how many changes the subscriber lost by lagging behind.
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

// Subscribe returns a subscription to the changes of the daemon.
func (s *Scheduler) Subscribe() *Subscription {
	c := make(chan Change, subscriberBuffer)
	sub := &Subscription{C: c, c: c, e: &s.changes}
	s.changes.mu.Lock()
	if s.changes.subs == nil {
		s.changes.subs = map[*Subscription]struct{}{}
	}
	s.changes.subs[sub] = struct{}{}
	s.changes.n.Add(1)
	s.changes.mu.Unlock()
	return sub
}

// publish sends ev to every subscriber, dropping it for those that lag.
func (s *Scheduler) publish(ev Change) {
	if s.changes.n.Load() == 0 {
		return
	}
	s.changes.mu.Lock()
	defer s.changes.mu.Unlock()
	for sub := range s.changes.subs {
		select {
		case sub.c <- ev:
		default:
			sub.dropped.Add(1)
		}
	}
}

// listening reports whether anyone subscribed (to skip building changes).
func (s *Scheduler) listening() bool { return s.changes.n.Load() > 0 }
