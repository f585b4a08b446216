//go:build !unix

package history

import "os"

// lockInode is a no-op where flock does not exist: the sidecar lock next to
// the resolved state path is the only guard there (a hard link to the state
// is not detected).
func lockInode(*os.File) error { return nil }

// flockHolder is unknown where /proc/locks does not exist.
func flockHolder(*os.File) int { return 0 }
