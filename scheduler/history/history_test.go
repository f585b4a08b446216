package history

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

// clock is a deterministic Options.Now: every call advances one second.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Second)
	return c.t
}

func openStore(t testing.TB, path string, opts Options) *Store {
	t.Helper()
	s, err := Open(path, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// runOnce records a finished run of job and returns its id.
func runOnce(t testing.TB, s *Store, job string, outcome Outcome, logs ...LogLine) int64 {
	t.Helper()
	ctx := context.Background()
	id, err := s.Begin(ctx, Run{Job: job, Trigger: TriggerSchedule})
	if err != nil {
		t.Fatalf("Begin: %v", err)
	}
	if err := s.Finish(ctx, Run{ID: id, Outcome: outcome, Logs: logs}); err != nil {
		t.Fatalf("Finish: %v", err)
	}
	return id
}

func ids(runs []Run) []int64 {
	out := []int64{}
	for _, r := range runs {
		out = append(out, r.ID)
	}
	return out
}

// countRows counts rows in the database file directly (bypassing the store).
func countRows(t *testing.T, path, query string, args ...any) int {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func TestRoundTrip(t *testing.T) {
	t0 := time.Date(2025, 1, 2, 3, 4, 5, 123456789, time.FixedZone("JST", 9*3600))
	tests := []struct {
		name  string
		begin Run
		end   Run
		want  Run
	}{
		{
			name:  "ok with result and logs",
			begin: Run{Job: "sweep", Trigger: TriggerSchedule, Attempt: 2, Scheduled: t0, Start: t0.Add(time.Millisecond)},
			end: Run{Outcome: OutcomeOK, End: t0.Add(2 * time.Second), Result: json.RawMessage(`{"updated":3,"ids":["a","b"]}`),
				Calls: 5, CallsByAction: map[string]int{"list": 1, "put_item": 4}, Writes: 4,
				Logs: []LogLine{
					{Time: t0.Add(time.Second), Level: "INFO", Msg: "start", Attrs: map[string]any{"channel": "c1", "n": 3}},
					{Level: "WARN", Msg: "no time, no attrs"},
					{Time: t0.Add(time.Second), Level: "ERROR", Msg: "nested", Attrs: map[string]any{"req": map[string]any{"ok": true}}},
				}},
			want: Run{Job: "sweep", Trigger: TriggerSchedule, Attempt: 2, Scheduled: t0.UTC(), Start: t0.Add(time.Millisecond).UTC(),
				End: t0.Add(2 * time.Second).UTC(), Outcome: OutcomeOK, Result: json.RawMessage(`{"updated":3,"ids":["a","b"]}`),
				Calls: 5, CallsByAction: map[string]int{"list": 1, "put_item": 4}, Writes: 4,
				Logs: []LogLine{
					{Time: t0.Add(time.Second).UTC(), Level: "INFO", Msg: "start", Attrs: map[string]any{"channel": "c1", "n": json.Number("3")}},
					{Level: "WARN", Msg: "no time, no attrs"},
					{Time: t0.Add(time.Second).UTC(), Level: "ERROR", Msg: "nested", Attrs: map[string]any{"req": map[string]any{"ok": true}}},
				}},
		},
		{
			name:  "failed manual dry run, defaults from clock",
			begin: Run{Job: "cleanup", Trigger: TriggerManual, DryRun: true},
			end:   Run{Outcome: OutcomeFailed, Error: "script.lua:3: boom", Calls: 1},
			// The clock ticks once at Open (interrupted-run marking), then Begin, Finish.
			want: Run{Job: "cleanup", Trigger: TriggerManual, Attempt: 1, DryRun: true,
				Start: time.Date(2025, 3, 1, 12, 0, 2, 0, time.UTC), End: time.Date(2025, 3, 1, 12, 0, 3, 0, time.UTC),
				Outcome: OutcomeFailed, Error: "script.lua:3: boom", Calls: 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "state.db")
			s := openStore(t, path, Options{Now: newClock().Now})
			ctx := context.Background()
			id, err := s.Begin(ctx, tt.begin)
			if err != nil {
				t.Fatalf("Begin: %v", err)
			}
			running, err := s.Get(ctx, id)
			if err != nil {
				t.Fatalf("Get running: %v", err)
			}
			if running.Outcome != OutcomeRunning || !running.End.IsZero() {
				t.Fatalf("running run = %+v, want running without end", running)
			}
			tt.end.ID = id
			if err := s.Finish(ctx, tt.end); err != nil {
				t.Fatalf("Finish: %v", err)
			}
			// History survives a restart.
			if err := s.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			s = openStore(t, path, Options{})
			got, err := s.Get(ctx, id)
			if err != nil {
				t.Fatalf("Get: %v", err)
			}
			tt.want.ID = id
			if !reflect.DeepEqual(*got, tt.want) {
				t.Errorf("Get =\n%+v\nwant\n%+v", *got, tt.want)
			}
		})
	}
}

func TestList(t *testing.T) {
	s := openStore(t, filepath.Join(t.TempDir(), "state.db"), Options{})
	a1 := runOnce(t, s, "a", OutcomeOK)
	b1 := runOnce(t, s, "b", OutcomeFailed)
	a2 := runOnce(t, s, "a", OutcomeOK)
	b2, err := s.Skip(context.Background(), Run{Job: "b", Trigger: TriggerSchedule, Error: "previous run still running"})
	if err != nil {
		t.Fatal(err)
	}
	a3, err := s.Begin(context.Background(), Run{Job: "a", Trigger: TriggerManual})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		job   string
		limit int
		want  []int64
	}{
		{"all newest first", "", 0, []int64{a3, b2, a2, b1, a1}},
		{"all limited", "", 2, []int64{a3, b2}},
		{"job a", "a", 0, []int64{a3, a2, a1}},
		{"job b limited", "b", 1, []int64{b2}},
		{"negative limit is no limit", "b", -1, []int64{b2, b1}},
		{"unknown job", "zzz", 10, []int64{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runs, err := s.List(context.Background(), tt.job, tt.limit)
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(runs); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("List(%q, %d) = %v, want %v", tt.job, tt.limit, got, tt.want)
			}
			for _, r := range runs {
				if r.Logs != nil {
					t.Errorf("run %d has logs in List", r.ID)
				}
			}
		})
	}
	t.Run("skip fields", func(t *testing.T) {
		r, err := s.Get(context.Background(), b2)
		if err != nil {
			t.Fatal(err)
		}
		if r.Outcome != OutcomeSkipped || r.Start.IsZero() || !r.Start.Equal(r.End) || r.Error != "previous run still running" {
			t.Errorf("skipped run = %+v", r)
		}
	})
	lastTests := []struct {
		name string
		job  string
		want int64 // 0 = nil
	}{
		{"running run counts", "a", a3},
		{"skipped run is ignored", "b", b1},
		{"no runs", "zzz", 0},
	}
	for _, tt := range lastTests {
		t.Run("last/"+tt.name, func(t *testing.T) {
			r, err := s.Last(context.Background(), tt.job)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case tt.want == 0 && r != nil:
				t.Errorf("Last(%q) = run %d, want nil", tt.job, r.ID)
			case tt.want != 0 && (r == nil || r.ID != tt.want):
				t.Errorf("Last(%q) = %+v, want run %d", tt.job, r, tt.want)
			}
		})
	}
}

func TestRetention(t *testing.T) {
	line := LogLine{Level: "INFO", Msg: "hello"}
	t.Run("keeps exactly Keep per job", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "state.db")
		s := openStore(t, path, Options{Keep: 3, PruneEvery: 1})
		var a []int64
		for range 6 {
			a = append(a, runOnce(t, s, "a", OutcomeOK, line, line))
		}
		b1 := runOnce(t, s, "b", OutcomeOK, line)
		b2 := runOnce(t, s, "b", OutcomeFailed, line)
		runs, err := s.List(context.Background(), "a", 0)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := ids(runs), []int64{a[5], a[4], a[3]}; !reflect.DeepEqual(got, want) {
			t.Errorf("job a = %v, want %v", got, want)
		}
		runs, err = s.List(context.Background(), "b", 0)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := ids(runs), []int64{b2, b1}; !reflect.DeepEqual(got, want) {
			t.Errorf("job b = %v, want %v", got, want)
		}
		if _, err := s.Get(context.Background(), a[0]); !errors.Is(err, ErrNotFound) {
			t.Errorf("Get pruned run: err = %v, want ErrNotFound", err)
		}
		// Log lines of pruned runs are gone with them (ON DELETE CASCADE).
		if n := countRows(t, path, `SELECT count(*) FROM run_logs WHERE run_id < ?`, a[3]); n != 0 {
			t.Errorf("%d log lines of pruned runs remain", n)
		}
		if n := countRows(t, path, `SELECT count(*) FROM run_logs`); n != 3*2+2 {
			t.Errorf("%d log lines, want 8", n)
		}
	})
	t.Run("amortized prune", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "state.db")
		s := openStore(t, path, Options{Keep: 4, PruneEvery: 3})
		counts := []int{}
		for range 10 {
			runOnce(t, s, "a", OutcomeOK)
			runs, err := s.List(context.Background(), "a", 0)
			if err != nil {
				t.Fatal(err)
			}
			counts = append(counts, len(runs))
		}
		// Pruned to 4 on the 3rd, 6th and 9th finish.
		if want := []int{1, 2, 3, 4, 5, 4, 5, 6, 4, 5}; !reflect.DeepEqual(counts, want) {
			t.Errorf("counts = %v, want %v", counts, want)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		s = openStore(t, path, Options{Keep: 4, PruneEvery: 3})
		runs, err := s.List(context.Background(), "a", 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(runs) != 4 {
			t.Errorf("after reopen %d runs, want exactly 4", len(runs))
		}
	})
	t.Run("lower Keep applies at Open", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "state.db")
		s := openStore(t, path, Options{Keep: 10})
		for range 5 {
			runOnce(t, s, "a", OutcomeOK)
			runOnce(t, s, "b", OutcomeOK)
		}
		_ = s.Close()
		s = openStore(t, path, Options{Keep: 2})
		for _, job := range []string{"a", "b"} {
			if runs, _ := s.List(context.Background(), job, 0); len(runs) != 2 {
				t.Errorf("job %s: %d runs, want 2", job, len(runs))
			}
		}
	})
	t.Run("skips are pruned too", func(t *testing.T) {
		s := openStore(t, filepath.Join(t.TempDir(), "state.db"), Options{Keep: 2, PruneEvery: 1})
		for range 5 {
			if _, err := s.Skip(context.Background(), Run{Job: "a", Trigger: TriggerSchedule}); err != nil {
				t.Fatal(err)
			}
		}
		if runs, _ := s.List(context.Background(), "a", 0); len(runs) != 2 {
			t.Errorf("%d runs, want 2", len(runs))
		}
	})
	t.Run("running runs are never pruned", func(t *testing.T) {
		s := openStore(t, filepath.Join(t.TempDir(), "state.db"), Options{Keep: 2, PruneEvery: 1})
		ctx := context.Background()
		long, err := s.Begin(ctx, Run{Job: "a", Trigger: TriggerSchedule})
		if err != nil {
			t.Fatal(err)
		}
		for range 4 {
			runOnce(t, s, "a", OutcomeOK)
		}
		if err := s.Finish(ctx, Run{ID: long, Outcome: OutcomeOK}); err != nil {
			t.Fatalf("Finish of the long run: %v", err)
		}
		// Now finished and the oldest ok run: pruned at the next finish.
		runOnce(t, s, "a", OutcomeOK)
		if _, err := s.Get(ctx, long); !errors.Is(err, ErrNotFound) {
			t.Errorf("Get old run: err = %v, want ErrNotFound", err)
		}
	})
	t.Run("kinds are kept apart", func(t *testing.T) {
		// A forbid job on @every 1s that runs for 3s: skips must not evict
		// the failures (nor the ok runs), at every prune and at Open.
		path := filepath.Join(t.TempDir(), "state.db")
		opts := Options{Keep: 3, KeepSkipped: 2, PruneEvery: 1}
		s := openStore(t, path, opts)
		ctx := context.Background()
		var failed []int64
		for i := range 6 {
			id := runOnce(t, s, "a", []Outcome{OutcomeFailed, OutcomePartial, OutcomeTimeout}[i%3])
			failed = append(failed, id)
			runOnce(t, s, "a", OutcomeOK)
			for range 10 {
				if _, err := s.Skip(ctx, Run{Job: "a", Trigger: TriggerSchedule}); err != nil {
					t.Fatal(err)
				}
			}
		}
		check := func(when string) {
			t.Helper()
			runs, err := s.List(ctx, "a", 0)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string][]int64{}
			for _, r := range runs {
				kind := "failed"
				switch r.Outcome {
				case OutcomeOK, OutcomeSkipped:
					kind = string(r.Outcome)
				}
				got[kind] = append(got[kind], r.ID)
			}
			if len(got["ok"]) != 3 || len(got["skipped"]) != 2 || len(got["failed"]) != 3 {
				t.Errorf("%s: kept %d ok, %d failed, %d skipped; want 3, 3, 2", when, len(got["ok"]), len(got["failed"]), len(got["skipped"]))
			}
			if want := []int64{failed[5], failed[4], failed[3]}; !reflect.DeepEqual(got["failed"], want) {
				t.Errorf("%s: failed runs kept %v, want the newest %v", when, got["failed"], want)
			}
		}
		check("after the runs")
		_ = s.Close()
		s = openStore(t, path, Options{Keep: 3, KeepSkipped: 2, PruneEvery: 1000})
		check("after Open")
	})
	t.Run("keep_skipped defaults to 20, at most keep", func(t *testing.T) {
		for _, tt := range []struct{ keep, want int }{{100, 20}, {5, 5}, {-1, 20}} {
			o := Options{Keep: tt.keep}.normalized()
			if o.KeepSkipped != tt.want || o.KeepOK != tt.keep || o.KeepFailed != tt.keep {
				t.Errorf("Keep %d: ok %d failed %d skipped %d, want %d %d %d", tt.keep, o.KeepOK, o.KeepFailed, o.KeepSkipped, tt.keep, tt.keep, tt.want)
			}
		}
	})
	t.Run("negative Keep keeps all", func(t *testing.T) {
		s := openStore(t, filepath.Join(t.TempDir(), "state.db"), Options{Keep: -1})
		for range 5 {
			runOnce(t, s, "a", OutcomeOK)
		}
		if runs, _ := s.List(context.Background(), "a", 0); len(runs) != 5 {
			t.Errorf("%d runs, want 5", len(runs))
		}
	})
}

func TestInterrupted(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	ctx := context.Background()
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	done := runOnce(t, s, "a", OutcomeOK)
	left := []int64{}
	for _, job := range []string{"a", "b"} {
		id, err := s.Begin(ctx, Run{Job: job, Trigger: TriggerSchedule})
		if err != nil {
			t.Fatal(err)
		}
		left = append(left, id)
	}
	if err := s.Close(); err != nil { // "crash": close without Finish
		t.Fatal(err)
	}

	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	s = openStore(t, path, Options{Now: func() time.Time { return now }})
	if got := s.Interrupted(); got != 2 {
		t.Errorf("Interrupted() = %d, want 2", got)
	}
	// Both end at the last time the process was known alive: the later
	// start (TestInterruptedEnd has the cases), never the restart.
	last, err := s.Get(ctx, left[1])
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range left {
		r, err := s.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if r.Outcome != OutcomeInterrupted || !r.End.Equal(last.Start) || r.End.Equal(now) || r.Error != "process exited during the run" {
			t.Errorf("run %d = outcome %s end %v error %q, want interrupted at %v", id, r.Outcome, r.End, r.Error, last.Start)
		}
	}
	if r, err := s.Get(ctx, done); err != nil || r.Outcome != OutcomeOK {
		t.Errorf("finished run changed: %+v, %v", r, err)
	}
	if err := s.Finish(ctx, Run{ID: left[0], Outcome: OutcomeOK}); err == nil || !strings.Contains(err.Error(), "already interrupted") {
		t.Errorf("Finish of an interrupted run: err = %v", err)
	}
	_ = s.Close()
	s = openStore(t, path, Options{})
	if got := s.Interrupted(); got != 0 {
		t.Errorf("second reopen: Interrupted() = %d, want 0", got)
	}
}

func TestErrors(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, filepath.Join(t.TempDir(), "state.db"), Options{})
	id := runOnce(t, s, "a", OutcomeOK)
	running, err := s.Begin(ctx, Run{Job: "a", Trigger: TriggerSchedule})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		call    func() error
		wantErr string
		is      error
	}{
		{"begin without job", func() error { _, err := s.Begin(ctx, Run{Trigger: TriggerSchedule}); return err }, "empty job name", nil},
		{"begin bad trigger", func() error { _, err := s.Begin(ctx, Run{Job: "a", Trigger: "cron"}); return err }, `invalid trigger "cron"`, nil},
		{"skip bad trigger", func() error { _, err := s.Skip(ctx, Run{Job: "a"}); return err }, `invalid trigger ""`, nil},
		{"finish running outcome", func() error { return s.Finish(ctx, Run{ID: running, Outcome: OutcomeRunning}) }, "invalid outcome", nil},
		{"finish unknown outcome", func() error { return s.Finish(ctx, Run{ID: running, Outcome: "meh"}) }, "invalid outcome", nil},
		{"finish bad result", func() error {
			return s.Finish(ctx, Run{ID: running, Outcome: OutcomeOK, Result: json.RawMessage(`{"a":`)})
		}, "not valid JSON", nil},
		{"finish twice", func() error { return s.Finish(ctx, Run{ID: id, Outcome: OutcomeOK}) }, "already ok", nil},
		{"finish unknown run", func() error { return s.Finish(ctx, Run{ID: 9999, Outcome: OutcomeOK}) }, "run not found", ErrNotFound},
		{"get unknown run", func() error { _, err := s.Get(ctx, 9999); return err }, "run not found", ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("err = %v, want errors.Is %v", err, tt.is)
			}
		})
	}
	t.Run("failed finish leaves the run running", func(t *testing.T) {
		r, err := s.Get(ctx, running)
		if err != nil || r.Outcome != OutcomeRunning {
			t.Fatalf("run = %+v, %v", r, err)
		}
	})
	t.Run("closed store", func(t *testing.T) {
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Errorf("second Close: %v", err)
		}
		if _, err := s.List(ctx, "", 0); !errors.Is(err, ErrClosed) {
			t.Errorf("List after Close: err = %v, want ErrClosed", err)
		}
	})
}

func TestConcurrent(t *testing.T) {
	s := openStore(t, filepath.Join(t.TempDir(), "state.db"), Options{Keep: 10, PruneEvery: 1})
	ctx := context.Background()
	jobs := []string{"a", "b", "c", "d"}
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for w := range 8 {
		wg.Go(func() {
			for i := range 12 {
				job := jobs[(w+i)%len(jobs)]
				id, err := s.Begin(ctx, Run{Job: job, Trigger: TriggerSchedule})
				if err != nil {
					errs <- err
					return
				}
				if _, err := s.List(ctx, job, 5); err != nil {
					errs <- err
					return
				}
				if err := s.Finish(ctx, Run{ID: id, Outcome: OutcomeOK, Logs: []LogLine{{Level: "INFO", Msg: job}}}); err != nil {
					errs <- err
					return
				}
				// Another worker's Finish may have pruned it already: a run
				// begun early and finished late is older than 10 others.
				if r, err := s.Get(ctx, id); err != nil && !errors.Is(err, ErrNotFound) || err == nil && (r.Outcome != OutcomeOK || len(r.Logs) != 1) {
					errs <- fmt.Errorf("Get(%d) = %+v, %v", id, r, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for _, job := range jobs {
		t.Run(job, func(t *testing.T) {
			runs, err := s.List(ctx, job, 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(runs) != 10 {
				t.Errorf("%d runs, want 10", len(runs))
			}
		})
	}
}
