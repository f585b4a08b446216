//go:build unix

package engine_test

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/soracron/soracron/engine"
)

// TestNotAScript: the script path and every require target must be a
// regular file of at most MaxScriptBytes: a FIFO (which would block the
// read forever), a device, a directory, a socket, a huge sparse file or a
// symlink to one of them is refused at once with a message naming what it
// is.
func TestNotAScript(t *testing.T) {
	type maker func(t *testing.T, path string)
	fifo := func(t *testing.T, path string) {
		if err := syscall.Mkfifo(path, 0o644); err != nil {
			t.Skipf("mkfifo: %v", err)
		}
	}
	dir := func(t *testing.T, path string) {
		if err := os.Mkdir(path, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	socket := func(t *testing.T, path string) {
		l, err := net.Listen("unix", path)
		if err != nil {
			t.Skipf("unix socket: %v", err)
		}
		t.Cleanup(func() { l.Close() })
	}
	sparse := func(t *testing.T, path string) {
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := f.Truncate(8 << 30); err != nil {
			t.Fatal(err)
		}
	}
	symlinkTo := func(m maker) maker {
		return func(t *testing.T, path string) {
			target := path + ".target"
			m(t, target)
			if err := os.Symlink(filepath.Base(target), path); err != nil {
				t.Fatal(err)
			}
		}
	}
	device := func(t *testing.T, path string) {
		if err := os.Symlink("/dev/zero", path); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name string
		make maker
		want string
	}{
		{"fifo", fifo, "is a named pipe (FIFO), not a regular file"},
		{"symlink to fifo", symlinkTo(fifo), "is a named pipe (FIFO), not a regular file"},
		{"directory", dir, "is a directory, not a regular file"},
		{"socket", socket, "is a socket, not a regular file"},
		{"large sparse file", sparse, "is 8589934592 bytes, over the limit of 1048576 bytes"},
		{"symlink to sparse file", symlinkTo(sparse), "over the limit of 1048576 bytes"},
	}
	e := engine.New(engine.Options{})
	for _, tt := range tests {
		t.Run("script "+tt.name, func(t *testing.T) {
			path := filepath.Join(shortTempDir(t), "main.lua")
			tt.make(t, path)
			checkRefused(t, e, path, tt.want)
			// Compile (the daemon's load and reload) refuses it the same way.
			if err := e.Compile(path); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Compile: %v", err)
			}
		})
		t.Run("require "+tt.name, func(t *testing.T) {
			d := shortTempDir(t)
			tt.make(t, filepath.Join(d, "mod.lua"))
			main := filepath.Join(d, "main.lua")
			if err := os.WriteFile(main, []byte(`return require("mod")`), 0o644); err != nil {
				t.Fatal(err)
			}
			checkRefused(t, e, main, tt.want)
		})
	}
	t.Run("script device", func(t *testing.T) {
		checkRefused(t, e, "/dev/zero", "/dev/zero is a character device, not a regular file")
	})
	t.Run("require symlink to a device", func(t *testing.T) {
		d := shortTempDir(t)
		device(t, filepath.Join(d, "mod.lua"))
		main := filepath.Join(d, "main.lua")
		if err := os.WriteFile(main, []byte(`return require("mod")`), 0o644); err != nil {
			t.Fatal(err)
		}
		checkRefused(t, e, main, "outside the script directory") // checked before it is opened
	})
}

// shortTempDir is a temporary directory with a path short enough for a
// unix socket.
func shortTempDir(t *testing.T) string {
	t.Helper()
	d, err := os.MkdirTemp("", "sc")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	return d
}

// checkRefused runs the script at path and checks that it fails at once
// with an error containing want.
func checkRefused(t *testing.T, e *engine.Engine, path, want string) {
	t.Helper()
	start := time.Now()
	done := make(chan error, 1)
	go func() {
		_, err := e.Run(context.Background(), engine.Request{Script: path, Timeout: 10 * time.Second})
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v, want %q", err, want)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the run hangs")
	}
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Errorf("refused after %s", elapsed)
	}
}
