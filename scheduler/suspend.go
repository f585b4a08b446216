package scheduler

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"time"
)

// Suspend suspends the job name: its scheduled ticks start no run (and
// are not recorded) until Resume, across restarts and reloads, since the
// suspension is kept in the history database (in cluster mode: in etcd,
// for every replica; see watchSuspensions). Manual and event runs still
// start. Suspending a suspended job does nothing. Errors: ErrUnknownJob,
// or a history (etcd) error.
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
	since := s.clock.Now()
	var err error
	switch {
	case s.cl != nil && on:
		since, err = s.cl.Suspend(ctx, name, since)
	case s.cl != nil:
		err = s.cl.Resume(ctx, name)
	case on:
		err = s.store.Suspend(ctx, name, since)
	default:
		err = s.store.Resume(ctx, name)
	}
	if err != nil {
		return err
	}
	s.applySuspended(name, on, since, "")
	s.nudge()
	return nil
}

// applySuspended sets the suspension of name in memory, and logs and
// publishes a change. via names where the change came from: "" for this
// replica's API, "etcd" for the cluster's watch. s.suspendMu is held.
func (s *Scheduler) applySuspended(name string, on bool, since time.Time, via string) {
	s.mu.Lock()
	was, had := s.suspended[name]
	// A suspended job stays suspended since its first suspension; etcd's
	// time (via the watch) is the cluster's.
	moved := on && had && via != "" && !was.Equal(since)
	if on && (!had || moved) {
		s.suspended[name] = since
	} else if !on && had {
		delete(s.suspended, name)
		if js := s.jobs[name]; js != nil && js.job != nil && js.job.Enabled {
			// The next tick from now, not the one skipped while suspended.
			js.next = s.firstRun(js.job, s.clock.Now().Round(0))
		}
	}
	s.mu.Unlock()
	if on == had && !moved {
		return
	}
	verb := "job suspended"
	if !on {
		verb = "job resumed"
	}
	attrs := []any{slog.String(keyJob, name)}
	if via != "" {
		attrs = append(attrs, slog.String(keyVia, via))
	}
	s.log.Info(verb, attrs...)
	s.publish(Change{Kind: ChangeJob, Job: name})
}

// keyVia is the log attribute naming where a suspension came from.
const keyVia = "via"

// watchSuspensions follows the suspensions of the cluster until ctx is
// done (cluster mode): a job suspended or resumed through any replica is
// so on this one within moments. Until they are first read, this replica
// claims no tick (see suspKnown).
func (s *Scheduler) watchSuspensions(ctx context.Context) {
	defer s.wg.Done()
	s.cl.WatchSuspensions(ctx, func(m map[string]time.Time) {
		s.suspendMu.Lock()
		s.mu.Lock()
		var resumed []string
		for name := range s.suspended {
			if _, ok := m[name]; !ok {
				resumed = append(resumed, name)
			}
		}
		s.mu.Unlock()
		for _, name := range resumed {
			s.applySuspended(name, false, time.Time{}, "etcd")
		}
		for name, since := range m {
			s.applySuspended(name, true, since, "etcd")
		}
		s.suspendMu.Unlock()
		if s.suspKnown.CompareAndSwap(false, true) {
			s.log.Debug("suspended jobs read from etcd", slog.Int(keyJobs, len(m)))
		}
		s.nudge()
	})
}

// loadSuspended reads the suspended jobs of the history; in cluster mode
// they are etcd's (watchSuspensions), and those of the history are only
// named in a warning.
func (s *Scheduler) loadSuspended() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	m, err := s.store.Suspended(ctx)
	if err != nil {
		return err
	}
	if s.cl == nil {
		s.suspended = m
		return nil
	}
	s.suspended = map[string]time.Time{}
	if len(m) > 0 {
		names := slices.Sorted(maps.Keys(m))
		s.log.Warn("jobs suspended in this replica's state database are not suspended in cluster mode, where "+
			"suspensions are kept in etcd for every replica: suspend them again if they should be",
			slog.Any(keyJobs, names))
	}
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
