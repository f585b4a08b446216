package source

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// readChunk is how much Read reads between checks of its context.
const readChunk = 64 << 10

// Read reads the script or module file at path, with its FileInfo
// from before the read (a change during the read only makes that FileInfo out
// of date). Only a regular file of at most MaxBytes is read: a
// directory, a FIFO, a socket or a device is refused with a message naming
// what it is (a FIFO would block the read until a writer came, /dev/zero
// never ends). The file is opened without blocking (opening a FIFO waits
// for a writer otherwise), checked on the open descriptor (so that a
// symlink or a rename cannot swap the file after the check), and read by
// chunks, checking ctx between them.
func Read(ctx context.Context, path string) ([]byte, os.FileInfo, error) {
	if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() {
		return nil, nil, notRegular(path, fi.Mode())
	}
	f, err := os.OpenFile(path, os.O_RDONLY|openNonBlock, 0)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, nil, notRegular(path, fi.Mode())
	}
	if fi.Size() > MaxBytes {
		return nil, nil, tooLargeFile(path, fi.Size())
	}
	src := make([]byte, 0, fi.Size()+1)
	buf := make([]byte, readChunk)
	for {
		if err := ctx.Err(); err != nil {
			return nil, nil, fmt.Errorf("reading %s: %w", path, err)
		}
		n, err := f.Read(buf)
		src = append(src, buf[:n]...)
		if len(src) > MaxBytes { // grew since the stat
			return nil, nil, tooLargeFile(path, int64(len(src)))
		}
		if err == io.EOF {
			return src, fi, nil
		}
		if err != nil {
			return nil, nil, err
		}
	}
}

// notRegular is the error of a script or module path that is not a
// regular file.
func notRegular(path string, mode fs.FileMode) error {
	kind := "not a regular file"
	switch {
	case mode.IsDir():
		kind = "a directory"
	case mode&fs.ModeNamedPipe != 0:
		kind = "a named pipe (FIFO)"
	case mode&fs.ModeSocket != 0:
		kind = "a socket"
	case mode&fs.ModeCharDevice != 0:
		kind = "a character device"
	case mode&fs.ModeDevice != 0:
		kind = "a device"
	}
	return fmt.Errorf("%s is %s, not a regular file: scripts and modules must be regular .lua files", path, kind)
}

// tooLargeFile is the error of a script or module file over MaxBytes.
func tooLargeFile(path string, size int64) error {
	return fmt.Errorf("%s is %d bytes, over the limit of %d bytes (1 MiB) for a script or module", path, size, MaxBytes)
}
