package scheduler

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/soracron/soracron/jobs"
	"github.com/soracron/soracron/scheduler/cluster"
	"github.com/soracron/soracron/scheduler/eventq"
	"github.com/soracron/soracron/scheduler/history"
)

// Event-triggered runs. The HTTP API hands the events of Sora's event
// webhook to Event, which answers at once: the event is queued (package
// eventq: bounded by event_webhook.queue, a queue depth the metric
// soracron_event_queue_depth shows; duplicates ignored; the runs of one
// connection in order), and every job whose `on:` matches gets a run with
// trigger "event", its timeout, retries and concurrency policy, and the
// read-only global `event`.

// Event is one event of Sora's event webhook (see eventq.Event).
type Event = eventq.Event

// Errors of Event; match them with errors.Is.
var (
	// ErrEventQueueFull: too many events are waiting; the event is refused.
	ErrEventQueueFull = eventq.ErrQueueFull
	// ErrDuplicateEvent: the event was received before; it is ignored.
	ErrDuplicateEvent = eventq.ErrDuplicate
)

// newEventQueue returns the daemon's event queue.
func newEventQueue(s *Scheduler) *eventq.Queue {
	return eventq.New(eventq.Hooks{
		Match: func(ev *Event) ([]string, int) {
			cfg := s.config()
			var names []string
			for _, j := range cfg.Jobs {
				if j.RunsOn(ev.Type, ev.ChannelID, ev.Role) {
					names = append(names, j.Name)
				}
			}
			return names, cfg.EventWebhook.Queue
		},
		Unavailable: func() error {
			if s.cl == nil {
				return nil
			}
			if err := s.cl.Health(); err != nil {
				return fmt.Errorf("%w: %w", ErrUnavailable, err)
			}
			return nil
		},
		Start: func(job string, ev *Event) <-chan struct{} {
			if c := s.startEvent(job, ev); c != nil {
				return c.done
			}
			return nil
		},
		Go: func(f func()) {
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				f()
			}()
		},
		Count: func(typ, result string) { s.metrics.Events.WithLabelValues(typ, result).Inc() },
		Depth: func(n int) { s.metrics.EventQueue.Set(float64(n)) },
	})
}

// Event queues ev and returns at once. It returns ErrEventQueueFull when
// event_webhook.queue events are already waiting, ErrDuplicateEvent for an
// event received before, an error matching ErrUnavailable in cluster mode
// while this replica has no etcd session (it could not claim the runs;
// the event is not remembered, so a retry is not a duplicate), and nil
// otherwise (also when no job runs on it). In cluster mode each run is
// claimed before it starts (see claimEvent).
func (s *Scheduler) Event(ev Event) error {
	if ev.Received.IsZero() {
		ev.Received = s.clock.Now()
	}
	return s.events.Add(ev)
}

// startEvent starts the run of job for its event ev, applying the job's
// concurrency policy (in cluster mode, after its claim: claimEvent); nil
// when it did not start (the job is gone, skipped by forbid, claimed by
// another replica, or the daemon is stopping).
func (s *Scheduler) startEvent(job string, ev *Event) *chain {
	var claim *cluster.Claim
	if s.cl != nil {
		if claim = s.claimEvent(job, ev); claim == nil {
			return nil
		}
	}
	var l launch
	s.mu.Lock()
	js := s.jobs[job]
	var c *chain
	var err error
	if js == nil || js.job == nil {
		err = fmt.Errorf("%w %q (removed by a reload)", ErrUnknownJob, job)
	} else if c, err = s.startLocked(js, history.TriggerEvent, time.Time{}, claim, &l); c != nil {
		c.event = ev.Fields
	}
	s.mu.Unlock()
	l.start(s)
	if err != nil {
		if claim != nil {
			s.abandon(claim, err.Error())
		}
		s.log.Warn("event run not started", slog.String(keyJob, job), slog.String(keyEventType, ev.Type),
			slog.String(keyConnectionID, ev.ConnectionID), slog.Any(keyError, err))
		return nil
	}
	return c
}

// EventQueued returns the number of events accepted and not yet processed.
func (s *Scheduler) EventQueued() int { return s.events.Pending() }

// EventWebhook returns the event_webhook settings in use.
func (s *Scheduler) EventWebhook() jobs.EventWebhookConfig { return s.config().EventWebhook }
