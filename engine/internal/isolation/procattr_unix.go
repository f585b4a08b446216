//go:build unix

package isolation

import (
	"os/exec"
	"syscall"
)

// setDataLimit sets this process's RLIMIT_DATA to n bytes (best effort:
// the watchdog stays).
func setDataLimit(n uint64) {
	_ = syscall.Setrlimit(syscall.RLIMIT_DATA, &syscall.Rlimit{Cur: n, Max: n})
}

// setChildAttrs sets how an isolated run's child is started.
func setChildAttrs(cmd *exec.Cmd) {
	cmd.SysProcAttr = childSysProcAttr()
}
