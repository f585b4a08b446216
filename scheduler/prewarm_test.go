package scheduler

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/soracron/soracron/engine"
	"github.com/soracron/soracron/jobs"
	"github.com/soracron/soracron/scheduler/history"
)

// warmRunner is a Runner and Prewarmer without scripts: its "sandboxes"
// are a count. It records whether each run found one ready when its script
// started.
type warmRunner struct {
	mu     sync.Mutex
	ready  int
	asked  int // largest n asked of Prewarm
	starts []bool
}

func (r *warmRunner) Run(_ context.Context, req engine.Request) (*engine.Result, error) {
	r.mu.Lock()
	warm := r.ready > 0
	if warm {
		r.ready--
	}
	r.starts = append(r.starts, warm)
	r.mu.Unlock()
	if req.OnStart != nil {
		req.OnStart()
	}
	return &engine.Result{}, nil
}

func (r *warmRunner) Prewarm(n int) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.asked = max(r.asked, n)
	built := max(n-r.ready, 0)
	r.ready += built
	return built
}

func (r *warmRunner) Prewarmed() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.ready
}

// newPrewarmScheduler returns a Scheduler (real clock) of specs (name:
// schedule) on r.
func newPrewarmScheduler(t *testing.T, r Runner, specs map[string]string) *Scheduler {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "one.lua"), []byte("return 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var y strings.Builder
	y.WriteString("sora: {url: \"http://127.0.0.1:1/\"}\njobs:\n")
	for name, sched := range specs {
		fmt.Fprintf(&y, "  - {name: %s, schedule: %q, script: one.lua}\n", name, sched)
	}
	cfg, err := jobs.Parse([]byte(y.String()), filepath.Join(dir, "jobs.yaml"), nil)
	if err != nil {
		t.Fatal(err)
	}
	store, err := history.Open(filepath.Join(dir, "state.db"), history.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	s, err := New(Options{Config: cfg, Runner: r, History: store})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestDueSoon(t *testing.T) {
	s := newPrewarmScheduler(t, &warmRunner{}, map[string]string{
		"a": "@every 1s", "b": "@every 1s", "c": "@every 3s", "d": "@every 1h",
	})
	s.mu.Lock()
	start := s.jobs["a"].next.Add(-time.Second)
	s.mu.Unlock()
	tests := []struct {
		name     string
		at       time.Duration // after start
		wantN    int
		wantWait time.Duration
	}{
		{"none within reach", 0, 0, time.Second - prewarmAhead},
		{"the 1s jobs", time.Second - prewarmAhead, 2, 3*time.Second - time.Second},
		{"the 3s job too", 3*time.Second - prewarmAhead, 3, maxWait},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, wait := s.dueSoon(start.Add(tt.at))
			if n != tt.wantN || wait != tt.wantWait {
				t.Errorf("dueSoon(start+%s) = %d, %s; want %d, %s", tt.at, n, wait, tt.wantN, tt.wantWait)
			}
		})
	}
}

// TestPrewarmBeforeRuns runs the daemon (real clock) for two bursts of
// runs: every run finds a sandbox ready, built for it ahead.
func TestPrewarmBeforeRuns(t *testing.T) {
	r := &warmRunner{}
	jobs := map[string]string{}
	for i := range 5 {
		jobs[fmt.Sprintf("job-%d", i)] = "@every 1s"
	}
	s := newPrewarmScheduler(t, r, jobs)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		r.mu.Lock()
		n := len(r.starts)
		r.mu.Unlock()
		if n >= 10 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d runs after 10s, want 10", n)
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, warm := range r.starts {
		if !warm {
			t.Errorf("run %d found no sandbox ready", i)
		}
	}
	if r.asked != len(jobs) {
		t.Errorf("Prewarm asked for up to %d sandboxes, want %d (one per job due)", r.asked, len(jobs))
	}
}
