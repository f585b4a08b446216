package history

import (
	"bytes"
	"fmt"
	"os"
	"strconv"

	"github.com/gofrs/flock"
)

// LockedError is returned by Open when another process holds the state lock.
// It matches ErrLocked with errors.Is.
type LockedError struct {
	Path string // the state path given to Open
	PID  int    // pid written in the lock file by the holder; 0 if unknown
}

// Error implements error.
func (e *LockedError) Error() string {
	pid := "pid unknown"
	if e.PID > 0 {
		pid = "pid " + strconv.Itoa(e.PID)
	}
	return fmt.Sprintf("state %s is locked by another soracron serve (%s)", e.Path, pid)
}

// Unwrap returns ErrLocked.
func (e *LockedError) Unwrap() error { return ErrLocked }

// acquireLock takes the exclusive, non-blocking lock on path+".lock" and
// writes our pid into it. The lock file is never removed (removing it would
// race with another process locking it); the kernel releases the lock when the
// process dies.
func acquireLock(path string) (*flock.Flock, error) {
	name := path + ".lock"
	lk := flock.New(name, flock.SetFlag(os.O_CREATE|os.O_RDWR), flock.SetPermissions(0o644))
	ok, err := lk.TryLock()
	if err != nil {
		return nil, fmt.Errorf("history: lock %s: %w", name, err)
	}
	if !ok {
		return nil, &LockedError{Path: path, PID: readPID(name)}
	}
	if err := writePID(name); err != nil {
		_ = lk.Close()
		return nil, fmt.Errorf("history: lock %s: %w", name, err)
	}
	return lk, nil
}

// writePID replaces the content of the (locked) lock file with our pid.
func writePID(name string) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		return err
	}
	_, err = f.WriteString(strconv.Itoa(os.Getpid()) + "\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// readPID returns the pid in a lock file, 0 if it cannot be read (the holder
// may not have written it yet).
func readPID(name string) int {
	b, err := os.ReadFile(name)
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(string(bytes.TrimSpace(b)))
	if err != nil || pid <= 0 {
		return 0
	}
	return pid
}
