package history

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
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

// stateLock is the single-instance lock of a state file: an flock on the
// database file itself (its inode, so that every name of it -- a symlink, a
// hard link, a relative path, a bind mount -- meets the same lock) and the
// sidecar REALPATH.lock holding the pid of the holder for the message.
type stateLock struct {
	side *flock.Flock
	db   *os.File // flocked; closed only after SQLite closed the file
}

// Close releases both locks.
func (l *stateLock) Close() error {
	err := l.db.Close()
	if serr := l.side.Close(); err == nil {
		err = serr
	}
	return err
}

// acquireLock takes the exclusive, non-blocking locks of the state at path
// and writes our pid into the sidecar. The sidecar sits next to the file the
// path resolves to (symlinks followed). The lock files are never removed
// (removing one would race with another process locking it); the kernel
// releases the locks when the process dies.
func acquireLock(path string) (*stateLock, error) {
	real, err := resolveState(path)
	if err != nil {
		return nil, fmt.Errorf("history: state %s: %w", path, err)
	}
	name := real + ".lock"
	lk := flock.New(name, flock.SetFlag(os.O_CREATE|os.O_RDWR), flock.SetPermissions(0o644))
	ok, err := lk.TryLock()
	if err != nil {
		return nil, fmt.Errorf("history: lock %s: %w", name, err)
	}
	if !ok {
		return nil, &LockedError{Path: path, PID: readPID(name)}
	}
	db, err := os.OpenFile(real, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		_ = lk.Close()
		return nil, fmt.Errorf("history: state %s: %w", path, err)
	}
	if err := lockInode(db); err != nil {
		pid := flockHolder(db)
		_ = db.Close()
		_ = lk.Close()
		if errors.Is(err, errInodeLocked) {
			return nil, &LockedError{Path: path, PID: pid}
		}
		return nil, fmt.Errorf("history: lock %s: %w", real, err)
	}
	if err := writePID(name); err != nil {
		_ = db.Close()
		_ = lk.Close()
		return nil, fmt.Errorf("history: lock %s: %w", name, err)
	}
	return &stateLock{side: lk, db: db}, nil
}

// errInodeLocked is lockInode's answer when another process holds the
// state file's lock.
var errInodeLocked = errors.New("state file locked by another process")

// resolveState returns the absolute path that path names with every
// symlink resolved, also when the file does not exist yet (its directory
// is resolved then).
func resolveState(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		return real, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	if fi, err := os.Lstat(abs); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		return "", fmt.Errorf("a symlink to a missing file: create the state where it points, or give that path")
	}
	dir, err := filepath.EvalSymlinks(filepath.Dir(abs))
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, filepath.Base(abs)), nil
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
