// Package schedule owns the schedules of jobs.yaml: parsing one with
// robfig/cron in the job's time zone, and what daylight-saving time does
// to it.
//
// Parse accepts 5 or 6 fields (the first of 6 is seconds), the
// @descriptors and "@every <duration>", refuses time zone prefixes (the
// job's timezone key says where it runs) and schedules that match no time
// at all ("0 0 30 2 *"), and never panics, whatever robfig/cron does with
// the input. A schedule in time.Local is evaluated in time.Local whatever
// the zone of the time given to Next.
//
// DSTWarnings explains, in words a user can act on, how the transitions of
// a zone affect a schedule's runs (skipped in a gap, run twice in a
// repeated hour), computed with the schedule itself rather than assumed.
//
// The package knows nothing of jobs.yaml's other keys: package jobs
// imports it, never the reverse.
package schedule
