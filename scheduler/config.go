// Package scheduler runs soracron's cron daemon: it reads jobs.yaml, computes
// schedules in each job's time zone, applies concurrency policies and retries,
// and keeps a history of runs.
package scheduler

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // time zones work on hosts without a zoneinfo database

	"github.com/robfig/cron/v3"
)

// MaxConfigSize is the largest jobs.yaml Load and Parse accept.
const MaxConfigSize = 4 << 20

// Defaults applied when jobs.yaml leaves a setting out.
const (
	DefaultSoraTimeout  = 10 * time.Second
	DefaultSoraRetries  = 3
	DefaultHistoryKeep  = 100
	DefaultJobTimeout   = time.Minute
	DefaultRetryBackoff = 30 * time.Second
	DefaultConcurrency  = 16
)

// Config is a parsed and validated jobs.yaml.
type Config struct {
	// Path is the file the configuration was read from, as given.
	Path string
	// Sora is how to reach the Sora API.
	Sora SoraConfig
	// Timezone is the default zone of the jobs; time.Local when the file has
	// no top-level timezone key.
	Timezone *time.Location
	// HistoryKeep is the number of runs kept per job (history.keep, default 100).
	HistoryKeep int
	// Jobs are the jobs in file order.
	Jobs []*Job
}

// Job returns the job named name, or nil.
func (c *Config) Job(name string) *Job {
	for _, j := range c.Jobs {
		if j.Name == name {
			return j
		}
	}
	return nil
}

// SoraConfig is the sora section of jobs.yaml.
type SoraConfig struct {
	// URL is the base URL of the Sora API, e.g. http://127.0.0.1:3000/.
	URL string
	// Timeout bounds each HTTP attempt (default 10s).
	Timeout time.Duration
	// Retries is the number of retries after a failed first attempt
	// (default 3): the client makes at most Retries+1 attempts per call,
	// so sora.Config.Attempts is Attempts().
	Retries int
	// Headers are sent with every request (Authorization, ...).
	Headers map[string]string
	// CAFile, CertFile and KeyFile are TLS files, resolved relative to the
	// directory of jobs.yaml. CertFile and KeyFile go together.
	CAFile, CertFile, KeyFile string
	// Insecure skips TLS certificate verification.
	Insecure bool
	// SecretValues are the values to redact in logs and in the run history:
	// the expanded values of the ${VAR}s used in Headers, every header value
	// of 8 bytes or more (and the token of "Bearer TOKEN"), and the password
	// of URL, if any.
	SecretValues []string
}

// Attempts is the total number of attempts per API call: Retries+1.
func (s SoraConfig) Attempts() int { return s.Retries + 1 }

// Policy says what happens when a job is due while its previous run is still
// running.
type Policy string

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
	// ScheduleSpec is the schedule as written (after ${VAR} expansion).
	ScheduleSpec string
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
	// Line is the line of the job in jobs.yaml.
	Line int
	// Schedule computes the run times in Location (a *cron.SpecSchedule with
	// its Location set, a cron.ConstantDelaySchedule for @every, or a wrapper
	// of a SpecSchedule for time.Local that evaluates in time.Local whatever
	// the zone of the time given to Next).
	Schedule cron.Schedule
}

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

// ConfigError is one problem in jobs.yaml. Load and Parse return all of them
// joined with errors.Join.
type ConfigError struct {
	// File is the path of jobs.yaml as given.
	File string
	// Line is the 1-based line of the problem, 0 when not applicable.
	Line int
	// Job is the name of the job concerned, "" when none.
	Job string
	// Msg describes the problem.
	Msg string
}

func (e *ConfigError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteString(":")
		b.WriteString(strconv.Itoa(e.Line))
	}
	b.WriteString(": ")
	if e.Job != "" {
		fmt.Fprintf(&b, "job %q: ", e.Job)
	}
	b.WriteString(e.Msg)
	return b.String()
}

// ConfigErrors returns the *ConfigError values in err (as returned by Load
// or Parse), in order.
func ConfigErrors(err error) []*ConfigError {
	var out []*ConfigError
	var walk func(error)
	walk = func(err error) {
		if ce, ok := err.(*ConfigError); ok {
			out = append(out, ce)
			return
		}
		if m, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range m.Unwrap() {
				walk(e)
			}
			return
		}
		if e := errors.Unwrap(err); e != nil {
			walk(e)
		}
	}
	walk(err)
	return out
}

// Load reads and parses the jobs.yaml at path. getenv looks up the
// variables of ${VAR} expansions (os.LookupEnv when nil). Files larger than
// MaxConfigSize are refused. Errors are *ConfigError values joined with
// errors.Join.
func Load(path string, getenv func(string) (string, bool)) (*Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &ConfigError{File: path, Msg: fileErrMsg(err)}
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxConfigSize+1))
	if err != nil {
		return nil, &ConfigError{File: path, Msg: fileErrMsg(err)}
	}
	return Parse(data, path, getenv)
}

func fileErrMsg(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return "cannot read: " + err.Error()
}
