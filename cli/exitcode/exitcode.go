package exitcode

// The exit codes shared by every subcommand.
const (
	OK      = 0 // success
	Failure = 1 // the script or job failed (error, timeout, cancelled)
	Usage   = 2 // usage error: bad flags, missing file, invalid config, syntax error
	Partial = 3 // the script finished but some Sora writes failed after retries (run)
)

// Error carries an exit code with the error that caused it.
type Error struct {
	Code int
	Err  error
}

func (e *Error) Error() string { return e.Err.Error() }

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// UsageError marks err as a usage error (exit code 2).
func UsageError(err error) error { return &Error{Code: Usage, Err: err} }

// Failed marks err as a failure (exit code 1).
func Failed(err error) error { return &Error{Code: Failure, Err: err} }
