package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/soracron/soracron/scheduler/cluster"
	"github.com/soracron/soracron/scheduler/clusterrun"
	"github.com/soracron/soracron/scheduler/history"
)

// Event runs in cluster mode. Sora may deliver one event to several
// replicas (all of them behind a load balancer, or its retry reaching
// another one), and each replica that receives it queues its runs as in
// single-node mode. Before a run starts, the replica claims it in etcd
// (cluster.ClaimEvent) under an ID derived from the event's identity (its
// Key: type, channel, connection, and id or timestamp), so the
// deliveries of one event make one run per job in the whole cluster; the
// job's concurrency policy holds across the cluster as for its ticks. An
// event is refused (503, so that Sora's side sees it) while the replica has
// no etcd session.

// claimEvent claims the run of job for its event ev; nil when this
// replica is not to start it (taken by another replica, skipped by forbid,
// no session, the job is gone).
func (s *Scheduler) claimEvent(job string, ev *Event) *cluster.Claim {
	j := s.config().Job(job)
	if j == nil {
		s.log.Warn("event run not started", slog.String(keyJob, job), slog.String(keyEventType, ev.Type),
			slog.Any(keyError, fmt.Errorf("%w %q (removed by a reload)", ErrUnknownJob, job)))
		return nil
	}
	cl, err := s.cl.ClaimEvent(context.Background(), j.Name, clusterrun.Policy(j), clusterrun.EventIdentity(ev.Key(), ev.Timestamp))
	switch {
	case errors.Is(err, cluster.ErrTaken):
		s.log.Debug("event run claimed by another replica (or an earlier delivery); not started here",
			slog.String(keyJob, j.Name), slog.String(keyEventType, ev.Type), slog.String(keyConnectionID, ev.ConnectionID))
		return nil
	case err != nil:
		s.log.Error("event run not started: cannot claim it in the cluster", slog.String(keyJob, j.Name),
			slog.String(keyEventType, ev.Type), slog.String(keyConnectionID, ev.ConnectionID), slog.Any(keyError, err))
		return nil
	case cl.State == cluster.StateSkipped:
		s.metrics.Skipped.WithLabelValues(j.Name).Inc()
		s.metrics.Runs.WithLabelValues(j.Name, string(history.OutcomeSkipped)).Inc()
		s.wg.Add(1)
		go s.recordSkip(skipRecord{job: j, trigger: history.TriggerEvent, node: cl.RunningOn})
		return nil
	}
	return cl
}
