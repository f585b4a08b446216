package scheduler

import (
	"context"
	"log/slog"
	"time"

	"github.com/soracron/soracron/jobs"
	"github.com/soracron/soracron/scheduler/cluster"
	"github.com/soracron/soracron/scheduler/history"
	"github.com/soracron/soracron/scheduler/metrics"
)

// JobState is the state of one job of the configuration in use.
type JobState struct {
	// Job is the job's configuration.
	Job *jobs.Job
	// Next is the time of its next scheduled run; zero when the job is
	// disabled or never due again.
	Next time.Time
	// Running is the number of its runs in progress (retries waiting for
	// their backoff included).
	Running int
	// Last is the newest run of the job that started; nil if none.
	Last *history.Run
	// Suspended is true when the job was suspended through the API (see
	// Scheduler.Suspend); Next is then zero. SuspendedAt says since when.
	Suspended   bool
	SuspendedAt time.Time
	// LastSuccess is the end of its newest run that ended ok; zero if none.
	LastSuccess time.Time
}

// Jobs returns the state of every job of the configuration, in file order.
// The last run of a job is read from the history the first time, then
// kept up to date by the runs.
func (s *Scheduler) Jobs(ctx context.Context) ([]JobState, error) {
	s.mu.Lock()
	cfg := s.cfg
	out := make([]JobState, 0, len(cfg.Jobs))
	var load []int // indexes of jobs whose last run is to be read
	for _, j := range cfg.Jobs {
		st := JobState{Job: j}
		if js := s.jobs[j.Name]; js != nil {
			st.Next = js.next
			st.Running = len(js.running)
			st.LastSuccess = js.lastOK
			if at, ok := s.suspended[j.Name]; ok {
				st.Suspended, st.SuspendedAt, st.Next = true, at, time.Time{}
			}
			if js.lastLoaded {
				st.Last = js.last
			} else {
				load = append(load, len(out))
			}
		}
		out = append(out, st)
	}
	s.mu.Unlock()

	for _, i := range load {
		name := out[i].Job.Name
		r, err := s.store.Last(ctx, name)
		if err != nil {
			return nil, err
		}
		s.mu.Lock()
		if js := s.jobs[name]; js != nil && !js.lastLoaded {
			js.last, js.lastLoaded = r, true
		}
		s.mu.Unlock()
		out[i].Last = r
	}
	return out, nil
}

// Health is the daemon's state as a health check reports it.
type Health struct {
	// ShuttingDown is true once shutdown began: no new run starts.
	ShuttingDown bool
	// Jobs is the number of jobs of the configuration.
	Jobs int
	// Running is the number of runs in progress.
	Running int
	// Unavailable, in cluster mode, says why this replica starts no run
	// (it holds no etcd session); empty when it does.
	Unavailable string
}

// Health returns the daemon's state.
func (s *Scheduler) Health() Health {
	var unavailable string
	if s.cl != nil {
		if err := s.cl.Health(); err != nil {
			unavailable = err.Error()
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return Health{ShuttingDown: s.stopping, Jobs: len(s.cfg.Jobs), Running: s.active, Unavailable: unavailable}
}

// History returns the run history the daemon records into.
func (s *Scheduler) History() *history.Store { return s.store }

// Logger returns the daemon's logger: the Options' Logger with the
// configuration's secrets redacted.
func (s *Scheduler) Logger() *slog.Logger { return s.log }

// Cluster returns the cluster this daemon is a replica of; nil in
// single-node mode.
func (s *Scheduler) Cluster() *cluster.Cluster { return s.cl }

// jobSamples is the state of every job for the metrics, at a scrape.
func (s *Scheduler) jobSamples() []metrics.JobSample {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]metrics.JobSample, 0, len(s.cfg.Jobs))
	for _, j := range s.cfg.Jobs {
		js := s.jobs[j.Name]
		if js == nil {
			continue
		}
		_, suspended := s.suspended[j.Name]
		out = append(out, metrics.JobSample{Job: j.Name, Suspended: suspended, Next: js.next, LastSuccess: js.lastOK})
	}
	return out
}
