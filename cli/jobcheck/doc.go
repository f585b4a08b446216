// Package jobcheck is what `soracron check` reports about a jobs file that
// loaded: every script compiled and linted once (errors and warnings on
// stderr, each naming the jobs that use the script), then for each job its
// schedule and time zone, its on: triggers, its script and its next runs,
// with a warning for each daylight-saving transition of the next year that
// skips a scheduled wall-clock time or repeats it.
//
// Loading and validating jobs.yaml itself is package jobs; the command's
// flags (-c, --from) are in package cli.
package jobcheck
