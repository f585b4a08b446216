// Package runreport owns what a run of a script writes when it ends
// (`soracron run`, also with --job): the result on stdout as indented
// JSON, then on stderr the plan of a dry run, the emulator's state and the
// one-line summary ("soracron: ok in 1.2s: 3 calls (...), 0 failed, 2
// writes"), as text or, with --log-format json, as JSON log records (one
// object a line, like the script's logs); --plan-json and --summary-json
// write JSON documents (Summary) to a file or stdout.
//
// Finish also decides the exit code of the run (package exitcode): 0 ok,
// 3 partial (writes failed after retries), 2 a syntax error, 1 any other
// failure. A script error with a Lua traceback comes back as a
// TracedError, so cli can print the traceback below the message, or as an
// attribute of the JSON error record.
package runreport
