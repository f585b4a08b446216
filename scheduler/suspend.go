package scheduler

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// Suspend suspends the job name: its scheduled ticks start no run (and
// are not recorded) until Resume, across restarts and reloads, since the
// suspension is kept in the history database. Manual runs (Trigger) still
// start. Suspending a suspended job does nothing. Errors: ErrUnknownJob,
// or a history error.
func (s *Scheduler) Suspend(ctx context.Context, name string) error {
	return s.setSuspended(ctx, name, true)
}

// Resume resumes the job name: its next tick after now runs. Resuming a
// job that is not suspended does nothing.
func (s *Scheduler) Resume(ctx context.Context, name string) error {
	return s.setSuspended(ctx, name, false)
}

func (s *Scheduler) setSuspended(ctx context.Context, name string, on bool) error {
	s.mu.Lock()
	js := s.jobs[name]
	known := js != nil && js.job != nil
	s.mu.Unlock()
	if !known {
		return fmt.Errorf("%w %q", ErrUnknownJob, name)
	}
	// The suspension lock orders the writes of concurrent calls, so that
	// the memory follows the database.
	s.suspendMu.Lock()
	defer s.suspendMu.Unlock()
	now := s.clock.Now()
	var err error
	if on {
		err = s.store.Suspend(ctx, name, now)
	} else {
		err = s.store.Resume(ctx, name)
	}
	if err != nil {
		return err
	}
	s.mu.Lock()
	_, was := s.suspended[name]
	if on && !was {
		s.suspended[name] = now
	} else if !on {
		delete(s.suspended, name)
		if js := s.jobs[name]; js != nil && js.job != nil && js.job.Enabled {
			// The next tick from now, not the one skipped while suspended.
			js.next = nextRun(js.job, now.Round(0))
		}
	}
	s.mu.Unlock()
	if on != was {
		verb := "job suspended"
		if !on {
			verb = "job resumed"
		}
		s.log.Info(verb, slog.String(keyJob, name))
		s.publish(Change{Kind: ChangeJob, Job: name})
	}
	s.nudge()
	return nil
}

// loadSuspended reads the suspended jobs of the history.
func (s *Scheduler) loadSuspended() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	m, err := s.store.Suspended(ctx)
	if err != nil {
		return err
	}
	s.suspended = m
	return nil
}

// loadLastSuccess reads the end of each job's newest ok run.
func (s *Scheduler) loadLastSuccess() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	m, err := s.store.LastSuccess(ctx)
	if err != nil {
		return err
	}
	for name, at := range m {
		if js := s.jobs[name]; js != nil {
			js.lastOK = at
		}
	}
	return nil
}
