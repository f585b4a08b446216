package suspension_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/soracron/soracron/scheduler/history"
	"github.com/soracron/soracron/scheduler/suspension"
)

// change is one call of Hooks.Apply.
type change struct {
	job   string
	on    bool
	since time.Time
	via   string
}

// TestSingleNode: a single node's suspensions are written to its history
// first, then applied, and read back at the next start.
func TestSingleNode(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "state.db")
	store, err := history.Open(path, history.Options{})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	var applied []change
	k := suspension.New(store, nil, suspension.Hooks{
		Now: func() time.Time { return now },
		Apply: func(job string, on bool, since time.Time, via string) {
			mu.Lock()
			applied = append(applied, change{job, on, since, via})
			mu.Unlock()
		},
		Suspended: func() []string { return nil },
	})
	for _, tc := range []struct {
		name string
		job  string
		on   bool
	}{
		{"suspend a", "a", true},
		{"suspend b", "b", true},
		{"resume b", "b", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := k.Set(ctx, tc.job, tc.on); err != nil {
				t.Fatal(err)
			}
			last := applied[len(applied)-1]
			if want := (change{tc.job, tc.on, now, ""}); last != want {
				t.Errorf("applied %+v, want %+v", last, want)
			}
		})
	}
	t.Run("read back", func(t *testing.T) {
		m, ignored, err := k.Load(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(m) != 1 || !m["a"].Equal(now) || ignored != nil {
			t.Errorf("Load = %v, %v; want a since %v only", m, ignored, now)
		}
		if k.Known() {
			t.Error("Known() true without a cluster")
		}
	})
	t.Run("a store error is returned, nothing applied", func(t *testing.T) {
		if err := store.Close(); err != nil {
			t.Fatal(err)
		}
		n := len(applied)
		if err := k.Set(ctx, "c", true); err == nil {
			t.Error("Set on a closed store: nil error")
		}
		if len(applied) != n {
			t.Errorf("applied %+v after a failed write", applied[n:])
		}
	})
}
