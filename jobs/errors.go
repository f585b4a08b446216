package jobs

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ConfigError is one problem in jobs.yaml. Load and Parse return all of them
// joined with errors.Join.
type ConfigError struct {
	// File is the path of jobs.yaml as given.
	File string
	// Line is the 1-based line of the problem, 0 when not applicable.
	Line int
	// Job is the name of the job concerned, "" when none.
	Job string
	// Msg describes the problem.
	Msg string
}

// Error formats the problem as "FILE:LINE: job \"NAME\": MSG".
func (e *ConfigError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteString(":")
		b.WriteString(strconv.Itoa(e.Line))
	}
	b.WriteString(": ")
	if e.Job != "" {
		fmt.Fprintf(&b, "job %q: ", e.Job)
	}
	b.WriteString(e.Msg)
	return b.String()
}

// ConfigErrors returns the *ConfigError values in err (as returned by Load
// or Parse), in order.
func ConfigErrors(err error) []*ConfigError {
	var out []*ConfigError
	var walk func(error)
	walk = func(err error) {
		if ce, ok := err.(*ConfigError); ok {
			out = append(out, ce)
			return
		}
		if m, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range m.Unwrap() {
				walk(e)
			}
			return
		}
		if e := errors.Unwrap(err); e != nil {
			walk(e)
		}
	}
	walk(err)
	return out
}
