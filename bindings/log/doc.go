// Package log is the Lua module "log" (require("log")): log.debug, log.info,
// log.warn and log.error write a script's records, with their fields as
// attributes, to the run's slog.Logger, injected through New.
package log
