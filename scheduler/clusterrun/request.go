package clusterrun

import (
	"time"

	"github.com/soracron/soracron/jobs"
	"github.com/soracron/soracron/scheduler/cluster"
	"github.com/soracron/soracron/scheduler/history"
)

// Policy maps a job's concurrency policy to the cluster's.
func Policy(j *jobs.Job) cluster.Policy {
	switch j.ConcurrencyPolicy {
	case jobs.Allow:
		return cluster.Allow
	case jobs.Replace:
		return cluster.Replace
	}
	return cluster.Forbid
}

// TickRequest is the claim of j's due tick scheduled: miss says why it is
// not run ("" to run it); takeOver claims it only if it is still
// undecided (a replica that is not the job's preferred owner).
func TickRequest(j *jobs.Job, scheduled time.Time, miss string, takeOver bool) cluster.ClaimRequest {
	return cluster.ClaimRequest{Job: j.Name, Trigger: history.TriggerSchedule, Scheduled: scheduled,
		Policy: Policy(j), Miss: miss != "", Reason: miss, IfUndecided: takeOver}
}

// EarlyRequest is the early claim of j's next tick.
func EarlyRequest(j *jobs.Job, tick time.Time) cluster.ClaimRequest {
	return cluster.ClaimRequest{Job: j.Name, Trigger: history.TriggerSchedule, Scheduled: tick, Policy: Policy(j),
		Early: true}
}

// ManualRequest is the claim of a manual run of j.
func ManualRequest(j *jobs.Job) cluster.ClaimRequest {
	return cluster.ClaimRequest{Job: j.Name, Trigger: history.TriggerManual, Policy: Policy(j)}
}

// Finished is the end of the run f (the last attempt of a chain) as the
// cluster records it; a run with no outcome yet is cancelled.
func Finished(f history.Run) cluster.Outcome {
	if f.Outcome == "" {
		f.Outcome = history.OutcomeCancelled
	}
	return cluster.Outcome{State: string(f.Outcome), End: f.End, Error: f.Error, Calls: f.Calls, Writes: f.Writes,
		RunID: f.ID}
}

// NotStarted is the end of a claim whose run did not start, for why.
func NotStarted(why string) cluster.Outcome {
	return cluster.Outcome{State: string(history.OutcomeCancelled), Error: "not started: " + why}
}

// EventIdentity is an event's identity for cluster.ClaimEvent: its key
// (eventq.Event.Key), and its timestamp when it reads as RFC 3339 (Sora's
// webhooks send one in UTC, "2006-01-02T15:04:05.999999Z").
func EventIdentity(key, timestamp string) cluster.EventIdentity {
	id := cluster.EventIdentity{Key: key}
	if at, err := time.Parse(time.RFC3339Nano, timestamp); err == nil {
		id.At = at
	}
	return id
}
