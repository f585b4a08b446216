package scheduler

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"time"

	"github.com/soracron/soracron/scheduler/fanout"
	"github.com/soracron/soracron/scheduler/suspension"
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
	if err := s.susp.Set(ctx, name, on); err != nil {
		return err
	}
	s.nudge()
	return nil
}

// newKeeper returns the keeper of the daemon's suspensions (package
// suspension): in the history, or in etcd in cluster mode.
func newKeeper(s *Scheduler) *suspension.Keeper {
	var cl suspension.Cluster
	if s.cl != nil {
		cl = s.cl
	}
	return suspension.New(s.store, cl, suspension.Hooks{
		Now:   s.clock.Now,
		Apply: s.applySuspended,
		Suspended: func() []string {
			s.mu.Lock()
			defer s.mu.Unlock()
			return slices.Collect(maps.Keys(s.suspended))
		},
	})
}

// applySuspended sets the suspension of name in memory, and logs and
// publishes a change. via names where the change came from: "" for this
// replica's API, "etcd" for the cluster's watch. It is called by s.susp,
// under its lock.
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
	s.publish(fanout.Change{Kind: fanout.ChangeJob, Job: name})
}

// keyVia is the log attribute naming where a suspension came from.
const keyVia = "via"

// watchSuspensions follows the suspensions of the cluster until ctx is
// done (cluster mode): a job suspended or resumed through any replica is
// so on this one within moments. Until they are first read, this replica
// claims no tick (see suspension.Keeper.Known).
func (s *Scheduler) watchSuspensions(ctx context.Context) {
	defer s.wg.Done()
	s.susp.Follow(ctx, func(n int, first bool) {
		if first {
			s.log.Debug("suspended jobs read from etcd", slog.Int(keyJobs, n))
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
	m, ignored, err := s.susp.Load(ctx)
	if err != nil {
		return err
	}
	s.suspended = m
	if len(ignored) > 0 {
		s.log.Warn("jobs suspended in this replica's state database are not suspended in cluster mode, where "+
			"suspensions are kept in etcd for every replica: suspend them again if they should be",
			slog.Any(keyJobs, ignored))
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
