package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/soracron/soracron/scheduler/cluster"
	"github.com/soracron/soracron/scheduler/history"
)

// Event runs in cluster mode. Sora may deliver one event to several
// replicas (all of them behind a load balancer, or its retry reaching
// another one), and each replica that receives it queues its runs as in
// single-node mode. Before a run starts, the replica claims it in etcd
// (cluster.ClaimEvent) under an ID derived from the event's identity (the
// dedupKey: type, channel, connection, and id or timestamp), so the
// deliveries of one event make one run per job in the whole cluster; the
// job's concurrency policy holds across the cluster as for its ticks. An
// event is refused (503, so that Sora's side sees it) while the replica has
// no etcd session.

// identity is ev's identity for cluster.ClaimEvent: its dedupKey, and its
// timestamp when it reads as RFC 3339 (Sora's webhooks send one in UTC,
// "2006-01-02T15:04:05.999999Z").
func (ev *Event) identity() cluster.EventIdentity {
	id := cluster.EventIdentity{Key: ev.dedupKey()}
	if at, err := time.Parse(time.RFC3339Nano, ev.Timestamp); err == nil {
		id.At = at
	}
	return id
}

// startEventClaimed claims the run of t's job for its event and starts it
// if this replica won the claim; nil when it did not start (taken by
// another replica, skipped by forbid, no session, the job is gone).
func (s *Scheduler) startEventClaimed(t laneTask) *chain {
	j := s.config().Job(t.job)
	if j == nil {
		s.log.Warn("event run not started", slog.String(keyJob, t.job), slog.String(keyEventType, t.ev.Type),
			slog.Any(keyError, fmt.Errorf("%w %q (removed by a reload)", ErrUnknownJob, t.job)))
		return nil
	}
	cl, err := s.cl.ClaimEvent(context.Background(), j.Name, clusterPolicy(j), t.ev.identity())
	switch {
	case errors.Is(err, cluster.ErrTaken):
		s.log.Debug("event run claimed by another replica (or an earlier delivery); not started here",
			slog.String(keyJob, j.Name), slog.String(keyEventType, t.ev.Type), slog.String(keyConnectionID, t.ev.ConnectionID))
		return nil
	case err != nil:
		s.log.Error("event run not started: cannot claim it in the cluster", slog.String(keyJob, j.Name),
			slog.String(keyEventType, t.ev.Type), slog.String(keyConnectionID, t.ev.ConnectionID), slog.Any(keyError, err))
		return nil
	case cl.State == cluster.StateSkipped:
		s.metrics.Skipped.WithLabelValues(j.Name).Inc()
		s.metrics.Runs.WithLabelValues(j.Name, string(history.OutcomeSkipped)).Inc()
		s.wg.Add(1)
		go s.recordSkip(skipRecord{job: j, trigger: history.TriggerEvent, node: cl.RunningOn})
		return nil
	}
	var l launch
	s.mu.Lock()
	js := s.jobs[j.Name]
	var c *chain
	if js == nil || js.job == nil {
		err = fmt.Errorf("%w %q (removed by a reload)", ErrUnknownJob, j.Name)
	} else if c, err = s.startLocked(js, history.TriggerEvent, time.Time{}, cl, &l); c != nil {
		c.event = t.ev.Fields
	}
	s.mu.Unlock()
	l.start(s)
	if err != nil {
		s.abandon(cl, err.Error())
		s.log.Warn("event run not started", slog.String(keyJob, j.Name), slog.String(keyEventType, t.ev.Type),
			slog.String(keyConnectionID, t.ev.ConnectionID), slog.Any(keyError, err))
		return nil
	}
	return c
}
