//go:build !unix

package isolation

import "os/exec"

// setDataLimit does nothing where there is no RLIMIT_DATA.
func setDataLimit(uint64) {}

// setChildAttrs does nothing beyond the defaults.
func setChildAttrs(*exec.Cmd) {}
