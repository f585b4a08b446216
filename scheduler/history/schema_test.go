package history

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestOddPath(t *testing.T) {
	tests := []struct {
		name string
		dir  string
	}{
		{"spaces", "my state"},
		{"uri characters", "a?b#c%20d&e=f"},
		{"unicode", "履歴"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), tt.dir)
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, "state.db")
			s := openStore(t, path, Options{})
			id := runOnce(t, s, "a", OutcomeOK)
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			// The database is the file at path, not somewhere else.
			entries, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, e := range entries {
				names = append(names, e.Name())
			}
			if want := []string{"state.db", "state.db.lock"}; !reflect.DeepEqual(names, want) {
				t.Errorf("files in dir = %q, want %q", names, want)
			}
			s = openStore(t, path, Options{})
			if _, err := s.Get(context.Background(), id); err != nil {
				t.Errorf("Get after reopen: %v", err)
			}
		})
	}
}

func TestSchema(t *testing.T) {
	tests := []struct {
		name    string
		setup   string // SQL run on the file before Open
		wantErr string
	}{
		{"fresh file", "", ""},
		{"foreign database", `CREATE TABLE users (id INTEGER)`, "not a soracron state file"},
		{"newer schema", fmt.Sprintf(`PRAGMA application_id = %d; PRAGMA user_version = 99`, applicationID), "schema version 99 is newer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "state.db")
			if tt.setup != "" {
				db, err := sql.Open("sqlite", path)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := db.Exec(tt.setup); err != nil {
					t.Fatal(err)
				}
				db.Close()
			}
			s, err := Open(path, Options{})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Open err = %v, want %q", err, tt.wantErr)
				}
				// A failed Open releases the lock.
				if _, err := Open(path, Options{}); errors.Is(err, ErrLocked) {
					t.Errorf("lock still held after a failed Open")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if v := countRows(t, path, `PRAGMA user_version`); v != len(migrations) {
				t.Errorf("user_version = %d, want %d", v, len(migrations))
			}
			var mode string
			if err := s.w.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
				t.Errorf("journal_mode = %q, %v; want wal", mode, err)
			}
			var fk, busy int
			if err := s.w.QueryRow(`PRAGMA foreign_keys`).Scan(&fk); err != nil || fk != 1 {
				t.Errorf("foreign_keys = %d, %v; want 1", fk, err)
			}
			if err := s.r.QueryRow(`PRAGMA busy_timeout`).Scan(&busy); err != nil || busy != busyTimeoutMS {
				t.Errorf("reader busy_timeout = %d, %v; want %d", busy, err, busyTimeoutMS)
			}
		})
	}
}
