package jobs

import (
	"reflect"
	"slices"
	"time"

	"github.com/robfig/cron/v3"
)

// Policy says what happens when a job is due while its previous run is still
// running.
type Policy string

// Isolations of a job's runs.
const (
	IsolationNone    = "none"
	IsolationProcess = "process"
)

// MinMemoryLimit is the smallest memory_limit (16 MiB).
const MinMemoryLimit = 16 << 20

// Concurrency policies.
const (
	// Forbid skips the new run and records it as skipped (the default).
	Forbid Policy = "forbid"
	// Allow starts the new run alongside the running one.
	Allow Policy = "allow"
	// Replace cancels the running run and starts the new one.
	Replace Policy = "replace"
)

// RetryPolicy says how a failed run is re-run.
type RetryPolicy struct {
	// Max is the number of re-runs after a failed run (default 0: none).
	Max int
	// Backoff is the wait before each re-run (default 30s).
	Backoff time.Duration
	// OnTimeout also re-runs runs that timed out (default false).
	OnTimeout bool
}

// Job is one entry of the jobs list, with defaults applied.
type Job struct {
	// Name identifies the job (in URLs, metrics and history); it matches
	// ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$.
	Name string
	// ScheduleSpec is the schedule as written (after ${VAR} expansion);
	// empty for a job that runs on events only.
	ScheduleSpec string
	// On lists the events of Sora's event webhook that start a run.
	On []Trigger
	// Script is the path of the Lua script resolved against the directory of
	// jobs.yaml (relative when Config.Path is relative).
	Script string
	// ScriptRel is the script path as written in jobs.yaml.
	ScriptRel string
	// Args becomes the script's global `args`: JSON-compatible values
	// (json.Number for integers, float64, string, bool, nil, []any,
	// map[string]any). defaults.args and the job's args are merged, the
	// job's keys winning.
	Args map[string]any
	// Timeout bounds each run (default 1m).
	Timeout time.Duration
	// ConcurrencyPolicy applies when a run is due while one is running.
	ConcurrencyPolicy Policy
	// Retries re-runs failed runs.
	Retries RetryPolicy
	// Location is the job's time zone: its timezone key, else the top-level
	// timezone, else time.Local.
	Location *time.Location
	// Enabled is false for jobs that are parsed but never scheduled.
	Enabled bool
	// DryRun runs the script without writing to Sora.
	DryRun bool
	// Concurrency is the default concurrency of sora.batch and
	// sora.update_all in this job (default 16).
	Concurrency int
	// StartingDeadline is how late a scheduled run may start: a tick not
	// started within it is recorded missed (0, the default: no deadline).
	StartingDeadline time.Duration
	// CatchUp says whether the latest tick missed during a downtime runs
	// (latest, the default) or not (none).
	CatchUp CatchUp
	// OnLost says whether a run lost with its replica runs again (cluster
	// mode; skip by default).
	OnLost OnLost
	// Notify are the job's own notification webhooks (notify.webhooks of
	// the job), in addition to those of the top-level notify section.
	Notify []*Webhook
	// HTTPAllow lists the hosts the script's http module may reach
	// (http.allow of the defaults and of the job, in that order); none
	// when empty.
	HTTPAllow []string
	// Isolation is where the job's runs execute: "" or IsolationNone in
	// the daemon's process, IsolationProcess in a child process with a
	// memory limit (MemoryLimit; 256 MiB when zero).
	Isolation string
	// MemoryLimit caps the memory of a run in a child process, in bytes.
	MemoryLimit int64
	// Line is the line of the job in jobs.yaml.
	Line int
	// Schedule computes the run times in Location (never due for a job
	// without a schedule) (a *cron.SpecSchedule with
	// its Location set, a cron.ConstantDelaySchedule for @every, or a wrapper
	// of a SpecSchedule for time.Local that evaluates in time.Local whatever
	// the zone of the time given to Next).
	Schedule cron.Schedule
}

// CopyArgs returns a deep copy of the job's Args, for a run to own.
func (j *Job) CopyArgs() map[string]any { return copyArgs(j.Args) }

// NextRuns returns the next n run times strictly after from, in the job's
// location. It returns fewer when the schedule has no more runs.
func (j *Job) NextRuns(from time.Time, n int) []time.Time {
	var runs []time.Time
	t := from.In(j.Location)
	for range n {
		next := j.Schedule.Next(t)
		if next.IsZero() || !next.After(t) {
			break
		}
		t = next.In(j.Location)
		runs = append(runs, t)
	}
	return runs
}

// SameSchedule reports whether j and o fire at the same times (a reload
// reschedules a job whose schedule changed).
func (j *Job) SameSchedule(o *Job) bool {
	return j.ScheduleSpec == o.ScheduleSpec && j.Location.String() == o.Location.String() && j.Enabled == o.Enabled
}

// SameSettings reports whether j and o have the same settings, as a reload
// reports the jobs changed.
func (j *Job) SameSettings(o *Job) bool {
	return j.SameSchedule(o) && j.Script == o.Script && j.Timeout == o.Timeout &&
		j.ConcurrencyPolicy == o.ConcurrencyPolicy && j.Retries == o.Retries && j.DryRun == o.DryRun &&
		j.Concurrency == o.Concurrency && reflect.DeepEqual(j.Args, o.Args) && slices.Equal(j.On, o.On)
}
