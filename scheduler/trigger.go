package scheduler

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/soracron/soracron/scheduler/cluster"
	"github.com/soracron/soracron/scheduler/history"
)

// Errors of Trigger; match them with errors.Is.
var (
	// ErrUnknownJob: no job of that name in the configuration.
	ErrUnknownJob = errors.New("unknown job")
	// ErrConflict: the job's policy is forbid and a run is in progress.
	ErrConflict = errors.New("job is running and its concurrency_policy is forbid")
	// ErrShuttingDown: the daemon is stopping and starts no new run.
	ErrShuttingDown = errors.New("daemon is shutting down")
)

// Trigger starts a run of the job name now, on demand (trigger manual),
// honouring its concurrency policy, and returns the run id once the run is
// recorded. A disabled job can be triggered. Errors: ErrUnknownJob,
// ErrConflict (policy forbid and a run in progress), ErrShuttingDown, or a
// history error.
func (s *Scheduler) Trigger(ctx context.Context, name string) (int64, error) {
	return s.TriggerWith(ctx, name, TriggerOptions{})
}

// TriggerOptions change one manual run.
type TriggerOptions struct {
	// Args are merged over the job's args (a key given here replaces the
	// job's value of that key).
	Args map[string]any `json:"args,omitempty"`
	// DryRun makes the run a dry run even if the job is not.
	DryRun bool `json:"dry_run,omitempty"`
}

// TriggerWith is Trigger with options.
func (s *Scheduler) TriggerWith(ctx context.Context, name string, opts TriggerOptions) (int64, error) {
	s.mu.Lock()
	js := s.jobs[name]
	if js == nil || js.job == nil {
		s.mu.Unlock()
		return 0, fmt.Errorf("%w %q", ErrUnknownJob, name)
	}
	var claim *cluster.Claim
	if s.cl != nil {
		j := js.job
		s.mu.Unlock()
		var err error
		if claim, err = s.claimManual(ctx, j); err != nil {
			return 0, err
		}
		s.mu.Lock()
		if js = s.jobs[name]; js == nil || js.job == nil {
			s.mu.Unlock()
			s.abandon(claim, "the job was removed from the configuration")
			return 0, fmt.Errorf("%w %q", ErrUnknownJob, name)
		}
	}
	var l launch
	c, err := s.startLocked(js, history.TriggerManual, time.Time{}, claim, &l)
	if c != nil {
		c.args, c.dryRun = opts.Args, opts.DryRun
	}
	s.mu.Unlock()
	if err != nil && claim != nil {
		s.abandon(claim, err.Error())
	}
	l.start(s)
	if err != nil {
		return 0, err
	}
	select {
	case r := <-c.first:
		if r.err != nil {
			// The run did not start (it could not be recorded): answer
			// once it no longer counts as running, or a retry at once
			// would be refused by forbid.
			select {
			case <-c.done:
			case <-ctx.Done():
			}
		}
		return r.id, r.err
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}
