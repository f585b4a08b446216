// Package time is the Lua module "time" (require("time")): time.now and
// time.since read the clock injected through New (so tests and schedules
// control it), and time.sleep waits unless the run's context ends first.
package time
