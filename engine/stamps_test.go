package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestScriptVersions checks that a run always gets the current version of
// its script, whether the engine read it again or trusted its stamp.
func TestScriptVersions(t *testing.T) {
	old := time.Now().Add(-time.Hour).Truncate(time.Second)
	write := func(t *testing.T, path, src string, mtime time.Time) {
		t.Helper()
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		if !mtime.IsZero() {
			if err := os.Chtimes(path, mtime, mtime); err != nil {
				t.Fatal(err)
			}
		}
	}
	tests := []struct {
		name string
		// change rewrites the script (same size) after a first run.
		change func(t *testing.T, path string)
		// trusted is whether the stamp of the first version is kept.
		trusted bool
	}{
		{"modified at once (within the racy window)", func(t *testing.T, path string) {
			write(t, path, "return 2", time.Time{})
		}, false},
		{"old file modified", func(t *testing.T, path string) {
			write(t, path, "return 2", old.Add(time.Minute))
		}, true},
		{"replaced by rename with the same size and time", func(t *testing.T, path string) {
			tmp := path + ".tmp"
			write(t, tmp, "return 2", old)
			if err := os.Rename(tmp, path); err != nil {
				t.Fatal(err)
			}
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "s.lua")
			mtime := old
			if !tt.trusted {
				mtime = time.Time{} // now
			}
			write(t, path, "return 1", mtime)
			e := New(Options{})
			run := func(want string) {
				t.Helper()
				res, err := e.Run(context.Background(), Request{Script: path})
				if err != nil {
					t.Fatal(err)
				}
				if got := fmt.Sprint(res.Value); got != want {
					t.Fatalf("result = %s, want %s", got, want)
				}
			}
			run("1")
			if got := e.stamps.lookup(path) != nil; got != tt.trusted {
				t.Fatalf("stamp of the first version trusted = %v, want %v", got, tt.trusted)
			}
			tt.change(t, path)
			run("2")
			run("2")
		})
	}
}
