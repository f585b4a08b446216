// Package jobs reads jobs.yaml, the configuration of soracron's daemon and
// of `soracron run --job` and `soracron check`.
//
// Load (or Parse) decodes the file into a Config: the sora section (how to
// reach the Sora API), the default time zone, history.keep, and the jobs in
// file order, with the defaults section and built-in defaults applied. While
// decoding it:
//
//   - expands ${VAR} in every string value from the environment ($${ is a
//     literal ${); an unset variable is an error, and the values expanded
//     into sora.headers are collected in SoraConfig.SecretValues for
//     redaction;
//   - validates every key and value, resolving scripts and TLS files
//     against the directory of jobs.yaml (they must exist);
//   - parses each job's schedule with robfig/cron (5 or 6 fields,
//     @descriptors, @every) in the job's time zone, refusing schedules that
//     never fire (package jobs/schedule).
//
// Every problem found is reported, not only the first: the error is the
// errors.Join of *ConfigError values (file, line, job, message), sorted by
// line; ConfigErrors takes them apart again.
//
// schedule.DSTWarnings explains how daylight-saving transitions affect a
// job's runs (skipped in a gap, run twice in a repeated hour), computed with
// the job's own schedule.
//
// The package knows nothing of the daemon: package scheduler and the
// commands import it, never the reverse; it imports nothing of the project
// but jobs/schedule.
package jobs
