package scheduler

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/soracron/soracron/emulator"
	"github.com/soracron/soracron/engine"
	"github.com/soracron/soracron/jobs"
	"github.com/soracron/soracron/scheduler/history"
	"github.com/soracron/soracron/scheduler/metrics"
	"github.com/soracron/soracron/sora"
)

// delayRunner records, for every scheduled run, its start delay: the time
// from its scheduled time to the moment its script starts executing in its
// LState (the engine's Request.OnStart: the sandbox is complete and the
// main chunk is about to be called). For a runner without script (noop)
// the start is the call of the runner. It also records the part of the
// delay until the scheduler dispatched the run, and the part spent in the
// runner before the script started (setup).
type delayRunner struct {
	Runner
	mu       sync.Mutex
	measure  bool
	delays   []time.Duration
	dispatch []time.Duration
	setup    []time.Duration
}

// timingFrom returns the runTiming of the run of ctx.
func timingFrom(ctx context.Context) runTiming {
	t, _ := ctx.Value(timingKey{}).(runTiming)
	return t
}

func (r *delayRunner) Run(ctx context.Context, req engine.Request) (*engine.Result, error) {
	t := timingFrom(ctx)
	if t.scheduled.IsZero() {
		return r.Runner.Run(ctx, req)
	}
	var started time.Time
	onStart := req.OnStart
	req.OnStart = func() {
		started = time.Now()
		if onStart != nil {
			onStart()
		}
	}
	called := time.Now()
	res, err := r.Runner.Run(ctx, req)
	if started.IsZero() {
		started = called
	}
	r.mu.Lock()
	if r.measure {
		r.delays = append(r.delays, started.Sub(t.scheduled))
		r.dispatch = append(r.dispatch, t.dispatched.Sub(t.scheduled))
		r.setup = append(r.setup, started.Sub(called))
	}
	r.mu.Unlock()
	return res, err
}

// Prewarm and Prewarmed forward to the runner if it is a Prewarmer.
func (r *delayRunner) Prewarm(n int) int {
	if p, ok := r.Runner.(Prewarmer); ok {
		return p.Prewarm(n)
	}
	return 0
}

func (r *delayRunner) Prewarmed() int {
	if p, ok := r.Runner.(Prewarmer); ok {
		return p.Prewarmed()
	}
	return 0
}

// noopRunner is a runner without script: it isolates the daemon's own cost.
type noopRunner struct{}

func (noopRunner) Run(context.Context, engine.Request) (*engine.Result, error) {
	return &engine.Result{Value: 1, HasValue: true}, nil
}

// procStatus returns a field of /proc/self/status in MiB (0 if absent).
func procStatus(field string) float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(float64(len(sorted))*p))]
}

// BenchmarkDaemon1000Jobs runs the daemon with 1,000 jobs on "@every 1s"
// (real clock, history database, text logging to io.Discard) and reports
// the steady state: CPU (cores), RSS, and the p50/p99/max start delay: the
// time from the scheduled time of a run to the moment its script starts
// executing in its fresh LState (sandbox complete, main chunk about to be
// called; see delayRunner). Its "dispatch" part is until the scheduler
// hands the run to its goroutine, its "setup" part the time in the runner
// before the script starts.
//
//	engine: the real engine running `return 1` with an emulator-backed client
//	noop:   a runner that returns at once (the daemon's own cost)
//
// SORACRON_BENCH_SECONDS sets the measured time (default 20, after 3 s of
// warm-up):
//
//	go test -run '^$' -bench 'BenchmarkDaemon1000Jobs/engine' -benchtime 1x ./scheduler/
func BenchmarkDaemon1000Jobs(b *testing.B) {
	shape := daemonShape{jobs: 1000, every: time.Second, warmup: 3 * time.Second, seconds: 20 * time.Second}
	b.Run("engine", func(b *testing.B) { benchmarkDaemon(b, nil, shape) })
	b.Run("noop", func(b *testing.B) { benchmarkDaemon(b, noopRunner{}, shape) })
}

// BenchmarkDaemon10000Jobs is BenchmarkDaemon1000Jobs with 10,000 jobs on
// "@every 10s": the same 1,000 runs/s on average, but in one burst of
// 10,000 every 10 s (single-node, every job counts its interval from the
// daemon's start). It measures 30 s (SORACRON_BENCH_SECONDS) after 15 s
// of warm-up, so three whole bursts, the first one of the daemon's life
// left out:
//
//	go test -run '^$' -bench 'BenchmarkDaemon(1000|10000)Jobs/engine' -benchtime 1x ./scheduler/
func BenchmarkDaemon10000Jobs(b *testing.B) {
	shape := daemonShape{jobs: 10000, every: 10 * time.Second, warmup: 15 * time.Second, seconds: 30 * time.Second}
	b.Run("engine", func(b *testing.B) { benchmarkDaemon(b, nil, shape) })
	b.Run("noop", func(b *testing.B) { benchmarkDaemon(b, noopRunner{}, shape) })
}

// daemonShape is the load of a daemon benchmark: jobs on "@every every",
// measured for seconds (SORACRON_BENCH_SECONDS overrides) after warmup.
type daemonShape struct {
	jobs            int
	every           time.Duration
	warmup, seconds time.Duration
}

func benchmarkDaemon(b *testing.B, inner Runner, shape daemonShape) {
	nJobs := shape.jobs
	seconds := int(shape.seconds / time.Second)
	if v, err := strconv.Atoi(os.Getenv("SORACRON_BENCH_SECONDS")); err == nil && v > 0 {
		seconds = v
	}
	dir := b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "one.lua"), []byte("return 1\n"), 0o644); err != nil {
		b.Fatal(err)
	}
	emu := emulator.New(emulator.Options{})
	srv, err := emulator.Start(emu, "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	var y strings.Builder
	fmt.Fprintf(&y, "sora: {url: %q}\njobs:\n", srv.URL)
	for i := range nJobs {
		fmt.Fprintf(&y, "  - {name: job-%05d, schedule: \"@every %s\", script: one.lua}\n", i, shape.every)
	}
	cfg, err := jobs.Parse([]byte(y.String()), filepath.Join(dir, "jobs.yaml"), nil)
	if err != nil {
		b.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	metrics := metrics.New()
	if inner == nil {
		client, err := sora.New(sora.Config{URL: srv.URL, OnRequest: metrics.ObserveRequest})
		if err != nil {
			b.Fatal(err)
		}
		inner = engine.New(engine.Options{Client: client, Logger: logger})
	}
	runner := &delayRunner{Runner: inner}
	store, err := history.Open(filepath.Join(dir, "state.db"), history.Options{Keep: cfg.HistoryKeep})
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	s, err := New(Options{Config: cfg, Runner: runner, History: store, Logger: logger, Metrics: metrics})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()

	b.ResetTimer()
	time.Sleep(shape.warmup)
	runner.mu.Lock()
	runner.measure = true
	runner.mu.Unlock()
	cpu0, wall0 := cpuTime(), time.Now()
	var rssMax float64
	for range seconds {
		time.Sleep(time.Second)
		rssMax = max(rssMax, procStatus("VmRSS"))
	}
	cpu, wall := cpuTime()-cpu0, time.Since(wall0)
	runner.mu.Lock()
	runner.measure = false
	delays, dispatch, setup := slices.Clone(runner.delays), slices.Clone(runner.dispatch), slices.Clone(runner.setup)
	runner.mu.Unlock()
	b.StopTimer()
	cancel()
	if err := <-done; err != nil {
		b.Fatal(err)
	}

	slices.Sort(delays)
	slices.Sort(dispatch)
	slices.Sort(setup)
	skipped := 0
	mfs, err := metrics.Gatherer().Gather()
	if err != nil {
		b.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == "soracron_skipped_overlaps_total" {
			for _, m := range mf.GetMetric() {
				skipped += int(m.GetCounter().GetValue())
			}
		}
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(float64(len(delays))/wall.Seconds(), "runs/s")
	b.ReportMetric(cpu.Seconds()/wall.Seconds(), "cpu-cores")
	b.ReportMetric(rssMax, "rss-MiB")
	b.ReportMetric(procStatus("VmHWM"), "hwm-MiB")
	b.ReportMetric(ms(percentile(delays, 0.50)), "p50-delay-ms")
	b.ReportMetric(ms(percentile(delays, 0.99)), "p99-delay-ms")
	b.ReportMetric(ms(percentile(delays, 1)), "max-delay-ms")
	b.ReportMetric(float64(skipped), "skipped")
	load, _ := os.ReadFile("/proc/loadavg")
	b.Logf("%d jobs @every %s for %s: %d runs, cpu %.2f cores (%.0f µs/run), rss max %.0f MiB, hwm %.0f MiB, "+
		"start delay (scheduled time -> script starts executing in its LState) p50 %s p99 %s max %s "+
		"(dispatch p50 %s p99 %s; setup in the runner p50 %s p99 %s), %d skipped; loadavg %s",
		nJobs, shape.every, wall.Round(time.Millisecond), len(delays), cpu.Seconds()/wall.Seconds(),
		float64(cpu.Microseconds())/float64(max(len(delays), 1)), rssMax, procStatus("VmHWM"),
		percentile(delays, 0.5).Round(time.Microsecond), percentile(delays, 0.99).Round(time.Microsecond),
		percentile(delays, 1).Round(time.Microsecond), percentile(dispatch, 0.5).Round(time.Microsecond),
		percentile(dispatch, 0.99).Round(time.Microsecond), percentile(setup, 0.5).Round(time.Microsecond),
		percentile(setup, 0.99).Round(time.Microsecond), skipped, strings.TrimSpace(string(load)))
}
