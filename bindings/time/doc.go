// Package time is the Lua module "time" (require("time")): time.now and
// time.since read the clock injected through New (so tests and schedules
// control it), and time.sleep waits unless the run's context ends first;
// time.format and time.parse convert between those seconds and RFC 3339
// text in any IANA zone, time.format_duration and time.parse_duration
// between seconds and Go's duration syntax ("1h30m"). Parse errors (the
// text is data) return nil, err; a bad zone name raises.
package time
