package scheduler

import (
	"context"
	"net/http"
	"time"

	"github.com/soracron/soracron/jobs"
	"github.com/soracron/soracron/scheduler/history"
	"github.com/soracron/soracron/scheduler/notify"
)

// NotifyOptions tune the delivery of notifications (tests shorten them).
type NotifyOptions struct {
	// Client sends the webhooks; a client with a 10 s timeout when nil.
	Client *http.Client
	// Backoff is the wait before the first retry of a failed delivery
	// (doubled after each; 4 attempts); 1 s when zero.
	Backoff time.Duration
}

func newNotifier(s *Scheduler, o NotifyOptions) *notify.Notifier {
	return notify.New(notify.Options{
		Client:     o.Client,
		Logger:     s.log,
		Backoff:    o.Backoff,
		OnDelivery: func(result string) { s.metrics.Notifications.WithLabelValues(result).Inc() },
	})
}

// loadLastOutcomes reads whether each job's newest run ended badly, so
// that a recovery after a restart is noticed.
func (s *Scheduler) loadLastOutcomes() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	m, err := s.store.LastOutcomes(ctx)
	if err != nil {
		return err
	}
	for name, o := range m {
		if js := s.jobs[name]; js != nil {
			js.bad = notify.Bad(o)
		}
	}
	return nil
}

// notifyOutcome sends the notifications of a run of js that ended (after
// its retries, or recorded missed) as rec says.
func (s *Scheduler) notifyOutcome(js *jobState, j *jobs.Job, rec history.Run) {
	s.mu.Lock()
	cfg := s.cfg
	var event string
	event, js.bad = notify.Event(rec.Outcome, js.bad)
	s.mu.Unlock()
	if event == "" || s.notifier == nil {
		return
	}
	targets := notify.Targets(cfg.Notify.Webhooks, j.Notify, event)
	if len(targets) == 0 {
		return
	}
	rec.Error = s.redact.String(rec.Error)
	m := notify.NewMessage(event, j.Name, rec, cfg.Notify.BaseURL)
	for _, t := range targets {
		s.notifier.Send(t, m)
	}
}

// notifyGrace is how long shutdown waits for queued notifications.
const notifyGrace = 5 * time.Second

// closeNotifier gives the queued notifications a moment, then stops.
func (s *Scheduler) closeNotifier() {
	ctx, cancel := context.WithTimeout(context.Background(), notifyGrace)
	defer cancel()
	s.notifier.Close(ctx)
}

// jobState returns the state of the job name, nil if unknown.
func (s *Scheduler) jobState(name string) *jobState {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.jobs[name]
}
