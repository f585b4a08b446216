// Package exitcode owns soracron's exit codes and the error that carries
// one out of a command: 0 success, 1 the script or job failed, 2 a usage
// error (bad flags, missing file, invalid configuration, syntax error),
// 3 a run that finished with Sora writes that failed after retries.
//
// A command returns an *Error (made with UsageError or Failed, or by hand
// for Partial); cli.Execute turns it into the process's exit code and
// prints its Err. An error without a code is a usage error when cobra
// raised it (unknown command or flag). The packages under cli/ mark their
// errors here, so the code is decided where the cause is known.
package exitcode
