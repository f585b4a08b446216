package history

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// BenchmarkBeginFinish measures one run's Begin+Finish (5 log lines, a small
// result, calls by action) round-robin over 1000 jobs, the daemon's load with
// 1,000 jobs on @every 1s. ns/op is the cost of one run. The burst case
// has 1,000 goroutines calling at once, like the daemon when all its jobs
// are due at the same instant: the writes are committed in groups.
func BenchmarkBeginFinish(b *testing.B) {
	const jobs = 1000
	names := make([]string, jobs)
	for i := range names {
		names[i] = fmt.Sprintf("job-%04d", i)
	}
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	logs := []LogLine{
		{Time: t0, Level: "INFO", Msg: "listing connections", Attrs: map[string]any{"channel": "room-1"}},
		{Time: t0, Level: "INFO", Msg: "found", Attrs: map[string]any{"count": 12}},
		{Time: t0, Level: "DEBUG", Msg: "put_item", Attrs: map[string]any{"connection_id": "01HZX3Q5", "key": "score"}},
		{Time: t0, Level: "WARN", Msg: "slow call", Attrs: map[string]any{"ms": 350}},
		{Time: t0, Level: "INFO", Msg: "done"},
	}
	result := json.RawMessage(`{"updated":12,"skipped":0}`)
	calls := map[string]int{"list": 1, "put_item": 12}

	template := filepath.Join(b.TempDir(), "template.db")
	prefill(b, template, jobs, DefaultKeep)

	for _, bc := range []struct {
		name       string
		pruneEvery int
		parallel   bool
		burst      int // goroutines
	}{
		{"prune-every-10", 0, false, 0},
		{"prune-every-1", 1, false, 0},
		{"prune-every-10-parallel", 0, true, 0},
		{"prune-every-10-burst-1000", 0, false, 1000},
	} {
		b.Run(bc.name, func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "state.db")
			data, err := os.ReadFile(template)
			if err != nil {
				b.Fatal(err)
			}
			if err := os.WriteFile(path, data, 0o644); err != nil {
				b.Fatal(err)
			}
			s := openStore(b, path, Options{PruneEvery: bc.pruneEvery})
			ctx := context.Background()
			var n atomic.Int64
			one := func() {
				job := names[n.Add(1)%jobs]
				id, err := s.Begin(ctx, Run{Job: job, Trigger: TriggerSchedule, Scheduled: t0, Start: t0})
				if err != nil {
					b.Fatal(err)
				}
				err = s.Finish(ctx, Run{ID: id, End: t0, Outcome: OutcomeOK, Result: result,
					Calls: 13, CallsByAction: calls, Writes: 12, Logs: logs})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			cpu0 := cpuTime(b)
			switch {
			case bc.burst > 0:
				var wg sync.WaitGroup
				for g := range bc.burst {
					wg.Go(func() {
						for i := g; i < b.N; i += bc.burst {
							one()
						}
					})
				}
				wg.Wait()
			case bc.parallel:
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						one()
					}
				})
			default:
				for b.Loop() {
					one()
				}
			}
			// CPU time of the whole process per op: stable on a busy machine
			// where wall time (ns/op) includes waiting for a CPU.
			b.ReportMetric(float64(cpuTime(b)-cpu0)/float64(b.N), "cpu-ns/op")
		})
	}
}

// cpuTime returns the user+system CPU time used by the process.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// prefill creates a state file where each of jobs holds keep finished runs
// with 5 log lines each (steady state: every finish also has to prune).
func prefill(b *testing.B, path string, jobs, keep int) {
	s, err := Open(path, Options{})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := s.w.Exec(`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ? - 1)
		INSERT INTO runs (job, trigger, attempt, scheduled_ns, start_ns, end_ns, outcome, result, calls, calls_by_action, writes)
		SELECT printf('job-%04d', i % ?), 'schedule', 1, i, i, i, 'ok', '{"updated":12}', 13, '{"list":1}', 12 FROM n`,
		jobs*keep, jobs); err != nil {
		b.Fatal(err)
	}
	if _, err := s.w.Exec(`INSERT INTO run_logs (run_id, seq, time_ns, level, msg, attrs)
		SELECT id, seq, 0, 'INFO', 'prefilled line', '{"k":"v"}' FROM runs,
		(SELECT 0 AS seq UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4)`); err != nil {
		b.Fatal(err)
	}
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkLogBuffer measures capturing one record with attrs through a
// derived logger.
func BenchmarkLogBuffer(b *testing.B) {
	buf := NewLogBuffer(-1, -1)
	l := slog.New(buf).With("job", "sweep", "run", 42)
	for b.Loop() {
		l.Info("put_item", "channel", "room-1", "connection_id", "01HZX3Q5", "n", 3)
	}
}
