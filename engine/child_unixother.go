//go:build unix && !linux

package engine

import "syscall"

// childSysProcAttr is the default elsewhere than on Linux.
func childSysProcAttr() *syscall.SysProcAttr { return nil }
