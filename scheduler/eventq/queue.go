package eventq

import (
	"errors"
	"fmt"
	"sync"
)

// dedupKeep is how many recent event keys are remembered to drop duplicate
// deliveries.
const dedupKeep = 100000

// Errors of Queue.Add; match them with errors.Is.
var (
	// ErrQueueFull: too many events are waiting; the event is refused.
	ErrQueueFull = errors.New("event queue full")
	// ErrDuplicate: the event was received before; it is ignored.
	ErrDuplicate = errors.New("duplicate event")
)

// The results of events, as Hooks.Count receives them.
const (
	Accepted    = "accepted"
	Duplicate   = "duplicate"
	NoJob       = "no_job"
	Unavailable = "unavailable"
	Rejected    = "rejected"
)

// Hooks connect a Queue to the daemon. All are required.
type Hooks struct {
	// Match returns the names of the jobs that run on ev, and how many
	// events may wait at most (event_webhook.queue; at least 1 is used).
	Match func(ev *Event) (jobs []string, limit int)
	// Unavailable returns why runs cannot be started now (cluster mode
	// without an etcd session), nil when they can. The event is then
	// refused with this error and not remembered.
	Unavailable func() error
	// Start starts the run of job for ev and returns a channel closed when
	// the run has ended (retries included); nil when it did not start.
	Start func(job string, ev *Event) <-chan struct{}
	// Go runs f in a goroutine that the daemon waits for at shutdown.
	Go func(f func())
	// Count counts an event of type typ with its result (Accepted, ...).
	Count func(typ, result string)
	// Depth receives the number of events waiting, at each change.
	Depth func(n int)
}

// Queue holds the events received and not processed yet.
type Queue struct {
	hooks Hooks

	mu      sync.Mutex
	pending int               // events accepted and not processed yet
	lanes   map[string][]task // per connection: the runs waiting, the first one running
	seen    map[string]struct{}
	ring    []string // the keys of seen, oldest first, for eviction
	ringPos int
}

// task is one run to start for an event.
type task struct {
	job  string
	ev   *Event
	last bool // the event's last task: it is processed when this one ends
}

// New returns an empty Queue that works through h.
func New(h Hooks) *Queue {
	return &Queue{hooks: h, lanes: map[string][]task{}, seen: map[string]struct{}{}}
}

// Add queues ev and returns at once. It returns an error matching
// ErrQueueFull when the limit of events are already waiting, ErrDuplicate
// for an event received before, Hooks.Unavailable's error when runs cannot
// start now (the event is not remembered, so a retry is not a duplicate),
// and nil otherwise (also when no job runs on it).
func (q *Queue) Add(ev Event) error {
	names, limit := q.hooks.Match(&ev)
	q.mu.Lock()
	defer q.mu.Unlock()
	key := ev.Key()
	if _, dup := q.seen[key]; dup && key != "" {
		q.hooks.Count(ev.Type, Duplicate)
		return ErrDuplicate
	}
	if len(names) == 0 {
		q.hooks.Count(ev.Type, NoJob)
		return nil
	}
	if err := q.hooks.Unavailable(); err != nil {
		q.hooks.Count(ev.Type, Unavailable)
		return err
	}
	if q.pending >= max(limit, 1) {
		// Not remembered: Sora's retry of it may find room.
		q.hooks.Count(ev.Type, Rejected)
		return fmt.Errorf("%w (%d events waiting)", ErrQueueFull, q.pending)
	}
	if key != "" {
		q.rememberLocked(key)
	}
	q.hooks.Count(ev.Type, Accepted)
	q.pending++
	q.hooks.Depth(q.pending)
	p := &ev
	lane := ev.lane()
	// A lane's key stays in the map while its runner lives (run deletes it
	// when it finds the lane empty), so an empty but present lane still has
	// its runner: starting another would run a task twice.
	_, running := q.lanes[lane]
	for i, name := range names {
		q.lanes[lane] = append(q.lanes[lane], task{job: name, ev: p, last: i == len(names)-1})
	}
	if !running {
		q.hooks.Go(func() { q.run(lane) })
	}
	return nil
}

// Pending returns the number of events accepted and not yet processed.
func (q *Queue) Pending() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.pending
}

// rememberLocked records key as seen, forgetting the oldest beyond dedupKeep.
func (q *Queue) rememberLocked(key string) {
	if len(q.ring) < dedupKeep {
		q.ring = append(q.ring, key)
	} else {
		delete(q.seen, q.ring[q.ringPos])
		q.ring[q.ringPos] = key
		q.ringPos = (q.ringPos + 1) % dedupKeep
	}
	q.seen[key] = struct{}{}
}

// run starts the runs of one connection one after another until its lane
// is empty.
func (q *Queue) run(lane string) {
	for {
		q.mu.Lock()
		tasks := q.lanes[lane]
		if len(tasks) == 0 {
			delete(q.lanes, lane)
			q.mu.Unlock()
			return
		}
		t := tasks[0]
		q.mu.Unlock()

		if done := q.hooks.Start(t.job, t.ev); done != nil {
			<-done
		}

		q.mu.Lock()
		q.lanes[lane] = q.lanes[lane][1:]
		if t.last {
			q.pending--
			q.hooks.Depth(q.pending)
		}
		q.mu.Unlock()
	}
}
