// Package logformat makes the process logger of --log-format and
// --log-level (run, serve, repl): slog's text handler, or its JSON handler
// with durations written as seconds (1.5), where slog would write integer
// nanoseconds, so that log processors read them as numbers of seconds.
package logformat
