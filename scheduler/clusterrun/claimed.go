package clusterrun

import (
	"errors"
	"time"

	"github.com/soracron/soracron/jobs"
	"github.com/soracron/soracron/scheduler/catchup"
	"github.com/soracron/soracron/scheduler/cluster"
)

// Action is what a replica does with the answer to a tick's claim.
type Action int

const (
	// Taken: another replica decided the tick; nothing to do here.
	Taken Action = iota
	// Failed: the claim failed (etcd); the tick is not started here.
	Failed
	// Start: the claim is won; start the run.
	Start
	// Skip: the claim is won, but the job runs elsewhere (forbid).
	Skip
	// Miss: the claim is won for a tick that is not run; record it missed.
	Miss
)

// Decide says what the answer (cl, err) to a tick's claim means.
func Decide(cl *cluster.Claim, err error) Action {
	switch {
	case errors.Is(err, cluster.ErrTaken):
		return Taken
	case err != nil:
		return Failed
	}
	switch cl.State {
	case cluster.StateMissed:
		return Miss
	case cluster.StateSkipped:
		return Skip
	}
	return Start
}

// NoReplica is why the ticks decided by nobody were missed.
const NoReplica = "missed: no replica of the cluster could start it (all down, or none held an etcd session)"

// MissedBefore returns the ticks of j missed (the newest, oldest first;
// catchup.Ticks) and their count between the previous tick decided in the
// cluster (cl.Prev) and scheduled, the tick claimed; ok is false when
// there is no previous tick.
func MissedBefore(j *jobs.Job, cl *cluster.Claim, scheduled time.Time) (ticks []time.Time, total int, ok bool) {
	if cl.Prev.IsZero() || cl.Prev.Unix() <= 0 {
		return nil, 0, false
	}
	ticks, total = catchup.Ticks(j, j.Schedule.Next(cl.Prev), scheduled)
	return ticks, total, true
}
