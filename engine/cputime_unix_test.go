//go:build unix

package engine_test

import (
	"syscall"
	"time"
)

// processCPU returns the user and system CPU time the process has used, so
// benchmarks can report CPU per operation on a machine shared with others.
func processCPU() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
