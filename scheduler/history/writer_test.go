package history

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestGroupCommit writes batches of concurrent ops (a commit delay makes
// them wait for each other) and checks that each op gets its own outcome.
func TestGroupCommit(t *testing.T) {
	ctx := context.Background()
	type result struct {
		job string
		id  int64
		err error
	}
	tests := []struct {
		name string
		jobs []string // one Begin per job, all at once
		// wantErr maps the jobs whose Begin fails to a part of the error.
		wantErr map[string]string
	}{
		{"all succeed", []string{"a", "b", "c", "d", "e"}, nil},
		{"an op at fault fails alone", []string{"a", "boom", "b", "c"}, map[string]string{"boom": "no boom"}},
		{"more ops than a batch", []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "state.db")
			s := openStore(t, path, Options{CommitDelay: 200 * time.Millisecond, MaxBatch: 4})
			// A trigger makes the insert of job "boom" fail with a database
			// error, which rolls its batch back.
			if _, err := s.w.Exec(`CREATE TRIGGER no_boom BEFORE INSERT ON runs WHEN NEW.job = 'boom'
				BEGIN SELECT RAISE(ABORT, 'no boom'); END`); err != nil {
				t.Fatal(err)
			}
			results := make(chan result, len(tt.jobs))
			var wg sync.WaitGroup
			for _, job := range tt.jobs {
				wg.Go(func() {
					id, err := s.Begin(ctx, Run{Job: job, Trigger: TriggerSchedule})
					results <- result{job, id, err}
				})
			}
			wg.Wait()
			close(results)
			seen := map[int64]bool{}
			for r := range results {
				want, fails := tt.wantErr[r.job]
				switch {
				case fails && (r.err == nil || !strings.Contains(r.err.Error(), want) ||
					!strings.Contains(r.err.Error(), "history: begin "+r.job)):
					t.Errorf("Begin(%s) = %d, %v; want an error with %q", r.job, r.id, r.err, want)
				case fails:
				case r.err != nil || r.id <= 0 || seen[r.id]:
					t.Errorf("Begin(%s) = %d, %v; want a new id", r.job, r.id, r.err)
				default:
					seen[r.id] = true
					got, err := s.Get(ctx, r.id)
					if err != nil || got.Job != r.job || got.Outcome != OutcomeRunning {
						t.Errorf("run %d = %+v, %v; want job %s running", r.id, got, err, r.job)
					}
				}
			}
			runs, err := s.List(ctx, "", 0)
			if err != nil {
				t.Fatal(err)
			}
			if want := len(tt.jobs) - len(tt.wantErr); len(runs) != want {
				t.Errorf("%d runs stored, want %d", len(runs), want)
			}
		})
	}
}

// TestGroupCommitFinish mixes, in one batch, Finish calls that fail without
// changing anything with ones that succeed.
func TestGroupCommitFinish(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, filepath.Join(t.TempDir(), "state.db"), Options{CommitDelay: 200 * time.Millisecond})
	done := runOnce(t, s, "a", OutcomeOK)
	var running []int64
	for _, job := range []string{"a", "b"} {
		id, err := s.Begin(ctx, Run{Job: job, Trigger: TriggerSchedule})
		if err != nil {
			t.Fatal(err)
		}
		running = append(running, id)
	}
	finishes := []struct {
		id      int64
		wantErr string
	}{
		{running[0], ""},
		{9999, "run not found"},
		{done, "already ok"},
		{running[1], ""},
	}
	errs := make([]error, len(finishes))
	var wg sync.WaitGroup
	for i, f := range finishes {
		wg.Go(func() {
			errs[i] = s.Finish(ctx, Run{ID: f.id, Outcome: OutcomeFailed, Error: fmt.Sprint("run ", f.id),
				Logs: []LogLine{{Level: "INFO", Msg: "bye"}}})
		})
	}
	wg.Wait()
	for i, f := range finishes {
		t.Run(fmt.Sprint(f.id), func(t *testing.T) {
			if f.wantErr != "" {
				if errs[i] == nil || !strings.Contains(errs[i].Error(), f.wantErr) {
					t.Fatalf("Finish(%d) = %v, want %q", f.id, errs[i], f.wantErr)
				}
				return
			}
			if errs[i] != nil {
				t.Fatal(errs[i])
			}
			r, err := s.Get(ctx, f.id)
			if err != nil || r.Outcome != OutcomeFailed || r.Error != fmt.Sprint("run ", f.id) || len(r.Logs) != 1 {
				t.Errorf("run = %+v, %v; want failed with its error and log line", r, err)
			}
		})
	}
	if r, err := s.Get(ctx, done); err != nil || r.Outcome != OutcomeOK {
		t.Errorf("finished run changed: %+v, %v", r, err)
	}
}

func TestGroupCommitCancel(t *testing.T) {
	s := openStore(t, filepath.Join(t.TempDir(), "state.db"), Options{CommitDelay: time.Hour, MaxBatch: 100})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	// The writer waits for more ops: the caller gives up first, and its op
	// is dropped.
	if id, err := s.Begin(ctx, Run{Job: "a", Trigger: TriggerSchedule}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Begin = %d, %v; want the context's error", id, err)
	}
	// Close commits what is queued and drops nothing else.
	got := make(chan error, 1)
	go func() {
		_, err := s.Begin(context.Background(), Run{Job: "b", Trigger: TriggerSchedule})
		got <- err
	}()
	waitQueued(t, s, 2) // with the dropped one, still queued
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-got:
		if err != nil {
			t.Fatalf("Begin queued before Close: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Begin queued before Close never returned")
	}
	s = openStore(t, s.path, Options{})
	runs, err := s.List(context.Background(), "", 0)
	if err != nil {
		t.Fatal(err)
	}
	var jobs []string
	for _, r := range runs {
		jobs = append(jobs, r.Job+":"+string(r.Outcome))
	}
	sort.Strings(jobs)
	if fmt.Sprint(jobs) != "[b:interrupted]" {
		t.Errorf("runs = %v, want only b (interrupted at reopen)", jobs)
	}
}

// waitQueued waits until n ops are queued for the writer.
func waitQueued(t *testing.T, s *Store, n int) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		s.mu.Lock()
		q := len(s.queue)
		s.mu.Unlock()
		if q >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d ops queued, want %d", q, n)
		}
		time.Sleep(time.Millisecond)
	}
}
