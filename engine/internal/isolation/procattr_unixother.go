//go:build unix && !linux

package isolation

import "syscall"

// childSysProcAttr is the default elsewhere than on Linux.
func childSysProcAttr() *syscall.SysProcAttr { return nil }
