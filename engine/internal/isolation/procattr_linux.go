//go:build linux

package isolation

import "syscall"

// childSysProcAttr makes the child die with its parent (a daemon killed
// with SIGKILL leaves no run behind).
func childSysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
