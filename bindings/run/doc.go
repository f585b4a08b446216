// Package run is the Lua module "run" (require("run")): the context of the
// run a script is in, read-only. run.job names the job (nil for `soracron
// run script.lua`), run.trigger says what started it ("schedule",
// "manual" or "event", the history's trigger names; nil outside the
// daemon), run.scheduled is the tick a scheduled run serves, in seconds
// since the Unix epoch (a late catch-up run sees the tick it makes up
// for, not the time it started; nil when the run was not scheduled),
// run.id is the run's id in the history (nil when unknown: outside the
// daemon, or in an isolated child) and run.node the cluster node running
// it (nil in single-node mode).
//
// A script keys what it writes per tick with run.scheduled (an
// idempotency key: the tick's retries and a replica's repeated write
// land on the same key) and logs which tick it serves. The daemon and
// `soracron run --job` fill an Info per run; New makes the module of one.
package run
