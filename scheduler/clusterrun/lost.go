package clusterrun

import (
	"fmt"

	"github.com/soracron/soracron/scheduler/cluster"
	"github.com/soracron/soracron/scheduler/history"
)

// LostRun is the history row of a run lost with its replica (recorded
// interrupted, pointing to that node's history for its logs); its Trigger
// is also the trigger of the run's rerun.
func LostRun(r cluster.Record) history.Run {
	trigger := r.Trigger
	if trigger != history.TriggerManual && trigger != history.TriggerEvent {
		trigger = history.TriggerSchedule
	}
	msg := r.Error
	if r.Node != "" {
		msg += fmt.Sprintf(" (its logs, if any, are in the history of node %s)", r.Node)
	}
	return history.Run{Job: r.Job, Trigger: trigger, Attempt: 1, Scheduled: r.Scheduled, Start: r.Start, End: r.End,
		Outcome: history.OutcomeInterrupted, Error: msg}
}
