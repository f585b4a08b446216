package attempt

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/soracron/soracron/internal/syncio"
	"github.com/soracron/soracron/scheduler/history"
)

func TestFinishLater(t *testing.T) {
	tests := []struct {
		name     string
		failures int  // Finish fails this many times first (disk full)
		ended    bool // the run ended already
		closed   bool // the history is closed
		wantLog  bool
	}{
		{"after two failures", 2, false, false, true},
		{"at once", 0, false, false, true},
		{"already ended", 0, true, false, false},
		{"history closed", 0, false, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			store, err := history.Open(filepath.Join(t.TempDir(), "state.db"), history.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer store.Close()
			id, err := store.Begin(ctx, history.Run{Job: "j", Trigger: history.TriggerManual, Attempt: 1, Start: time.Now()})
			if err != nil {
				t.Fatal(err)
			}
			rec := history.Run{ID: id, End: time.Now(), Outcome: history.OutcomeOK}
			if tt.ended {
				if err := store.Finish(ctx, rec); err != nil {
					t.Fatal(err)
				}
			}
			if tt.closed {
				if err := store.Close(); err != nil {
					t.Fatal(err)
				}
			}
			calls := 0
			finish := func(ctx context.Context, r history.Run) error {
				calls++
				if calls <= tt.failures {
					return errors.New("history: finish: database or disk is full")
				}
				return store.Finish(ctx, r)
			}
			var logs syncio.Buffer
			FinishLater(finish, slog.New(slog.NewTextHandler(&logs, nil)), rec, time.Millisecond)
			if want := tt.failures + 1; calls != want {
				t.Errorf("Finish called %d times, want %d", calls, want)
			}
			if got := strings.Contains(logs.String(), "recorded the end of a run after all"); got != tt.wantLog {
				t.Errorf("logged %q; want the line: %v", logs.String(), tt.wantLog)
			}
			if tt.closed {
				return
			}
			if r, err := store.Get(ctx, id); err != nil || r.Outcome != history.OutcomeOK {
				t.Errorf("run after FinishLater = %+v, %v; want ok", r, err)
			}
		})
	}
}
