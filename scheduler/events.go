package scheduler

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/soracron/soracron/jobs"
	"github.com/soracron/soracron/scheduler/history"
)

// Event-triggered runs. The HTTP API hands the events of Sora's event
// webhook to Event, which answers at once: the event is queued (bounded by
// event_webhook.queue, a queue depth the metric soracron_event_queue_depth
// shows), duplicates of an event already received are ignored, and every
// job whose `on:` matches gets a run with trigger "event", its timeout,
// retries and concurrency policy, and the read-only global `event`. The
// runs of one connection start in the order their events arrived, each
// after the previous one has ended; the runs of different connections run
// concurrently.

// dedupKeep is how many recent event keys are remembered to drop duplicate
// deliveries.
const dedupKeep = 100000

// Errors of Event; match them with errors.Is.
var (
	// ErrEventQueueFull: too many events are waiting; the event is refused.
	ErrEventQueueFull = errors.New("event queue full")
	// ErrDuplicateEvent: the event was received before; it is ignored.
	ErrDuplicateEvent = errors.New("duplicate event")
)

// Event is one event of Sora's event webhook: its body, every field kept.
// Type, ChannelID, ConnectionID and Role are read from it (Type from the
// sora-event-webhook-type header when the body has none).
type Event struct {
	Fields                              map[string]any
	Type, ChannelID, ConnectionID, Role string
	ID, Timestamp                       string
	Received                            time.Time
}

// dedupKey identifies the deliveries of one event: its type, connection and
// id (or timestamp). Events with neither id nor timestamp are not deduplicated.
func (ev *Event) dedupKey() string {
	which := ev.ID
	if which == "" {
		which = ev.Timestamp
	}
	if which == "" {
		return ""
	}
	return ev.Type + "\x00" + ev.ChannelID + "\x00" + ev.ConnectionID + "\x00" + which
}

// laneKey is the key of the runs that must keep their order: one connection.
func (ev *Event) laneKey() string { return ev.ChannelID + "\x00" + ev.ConnectionID }

// eventState is the scheduler's state of received events (under s.evMu).
type eventState struct {
	pending int                   // events accepted and not processed yet
	lanes   map[string][]laneTask // per connection: the runs waiting, the first one running
	seen    map[string]struct{}
	ring    []string // the keys of seen, oldest first, for eviction
	ringPos int
}

// laneTask is one run to start for an event.
type laneTask struct {
	job  string
	ev   *Event
	last bool // the event's last task: it is processed when this one ends
}

// Event queues ev and returns at once. It returns ErrEventQueueFull when
// event_webhook.queue events are already waiting, ErrDuplicateEvent for an
// event received before, an error matching ErrUnavailable in cluster mode
// while this replica has no etcd session (it could not claim the runs;
// the event is not remembered, so a retry is not a duplicate), and nil
// otherwise (also when no job runs on it). In cluster mode each run is
// claimed before it starts (see startEventClaimed).
func (s *Scheduler) Event(ev Event) error {
	if ev.Received.IsZero() {
		ev.Received = s.clock.Now()
	}
	cfg := s.config()
	var names []string
	for _, j := range cfg.Jobs {
		if j.RunsOn(ev.Type, ev.ChannelID, ev.Role) {
			names = append(names, j.Name)
		}
	}
	s.evMu.Lock()
	defer s.evMu.Unlock()
	st := &s.events
	key := ev.dedupKey()
	if _, dup := st.seen[key]; dup && key != "" {
		s.metrics.Events.WithLabelValues(ev.Type, "duplicate").Inc()
		return ErrDuplicateEvent
	}
	if len(names) == 0 {
		s.metrics.Events.WithLabelValues(ev.Type, "no_job").Inc()
		return nil
	}
	if s.cl != nil {
		if err := s.cl.Health(); err != nil {
			s.metrics.Events.WithLabelValues(ev.Type, "unavailable").Inc()
			return fmt.Errorf("%w: %w", ErrUnavailable, err)
		}
	}
	if st.pending >= max(cfg.EventWebhook.Queue, 1) {
		// Not remembered: Sora's retry of it may find room.
		s.metrics.Events.WithLabelValues(ev.Type, "rejected").Inc()
		return fmt.Errorf("%w (%d events waiting)", ErrEventQueueFull, st.pending)
	}
	if key != "" {
		s.rememberLocked(key)
	}
	s.metrics.Events.WithLabelValues(ev.Type, "accepted").Inc()
	st.pending++
	s.metrics.EventQueue.Set(float64(st.pending))
	p := &ev
	lane := ev.laneKey()
	idle := len(st.lanes[lane]) == 0
	for i, name := range names {
		st.lanes[lane] = append(st.lanes[lane], laneTask{job: name, ev: p, last: i == len(names)-1})
	}
	if idle {
		s.wg.Add(1)
		go s.runLane(lane)
	}
	return nil
}

// rememberLocked records key as seen, forgetting the oldest beyond dedupKeep.
func (s *Scheduler) rememberLocked(key string) {
	st := &s.events
	if len(st.ring) < dedupKeep {
		st.ring = append(st.ring, key)
	} else {
		delete(st.seen, st.ring[st.ringPos])
		st.ring[st.ringPos] = key
		st.ringPos = (st.ringPos + 1) % dedupKeep
	}
	st.seen[key] = struct{}{}
}

// runLane starts the runs of one connection one after another until its
// lane is empty.
func (s *Scheduler) runLane(lane string) {
	defer s.wg.Done()
	for {
		s.evMu.Lock()
		tasks := s.events.lanes[lane]
		if len(tasks) == 0 {
			delete(s.events.lanes, lane)
			s.evMu.Unlock()
			return
		}
		t := tasks[0]
		s.evMu.Unlock()

		if c := s.startEvent(t); c != nil {
			<-c.done
		}

		s.evMu.Lock()
		s.events.lanes[lane] = s.events.lanes[lane][1:]
		if t.last {
			s.events.pending--
			s.metrics.EventQueue.Set(float64(s.events.pending))
		}
		s.evMu.Unlock()
	}
}

// startEvent starts the run of t's job for its event, applying the job's
// concurrency policy; nil when it did not start (the job is gone, skipped
// by forbid, or the daemon is stopping).
func (s *Scheduler) startEvent(t laneTask) *chain {
	if s.cl != nil {
		return s.startEventClaimed(t)
	}
	var l launch
	s.mu.Lock()
	js := s.jobs[t.job]
	var c *chain
	var err error
	if js == nil || js.job == nil {
		err = fmt.Errorf("%w %q (removed by a reload)", ErrUnknownJob, t.job)
	} else {
		c, err = s.startLocked(js, history.TriggerEvent, time.Time{}, nil, &l)
		if c != nil {
			c.event = t.ev.Fields
		}
	}
	s.mu.Unlock()
	l.start(s)
	if err != nil {
		s.log.Warn("event run not started", slog.String(keyJob, t.job), slog.String(keyEventType, t.ev.Type),
			slog.String(keyConnectionID, t.ev.ConnectionID), slog.Any(keyError, err))
		return nil
	}
	return c
}

// EventQueued returns the number of events accepted and not yet processed.
func (s *Scheduler) EventQueued() int {
	s.evMu.Lock()
	defer s.evMu.Unlock()
	return s.events.pending
}

// EventWebhook returns the event_webhook settings in use.
func (s *Scheduler) EventWebhook() jobs.EventWebhookConfig { return s.config().EventWebhook }
