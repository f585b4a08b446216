package scheduler

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/soracron/soracron/emulator"
	"github.com/soracron/soracron/engine"
	"github.com/soracron/soracron/jobs"
	"github.com/soracron/soracron/scheduler/cluster"
	"github.com/soracron/soracron/scheduler/cluster/etcdtest"
	"github.com/soracron/soracron/scheduler/history"
	"github.com/soracron/soracron/scheduler/metrics"
	"github.com/soracron/soracron/sora"
)

// tickCounter counts the runs of each (job, tick) over all replicas.
type tickCounter struct {
	mu     sync.Mutex
	counts map[string]map[int64]int // job arg n -> scheduled unix second -> runs
}

// countRunner counts the scheduled runs it sees, then runs them.
type countRunner struct {
	Runner
	c *tickCounter
}

func (r countRunner) Run(ctx context.Context, req engine.Request) (*engine.Result, error) {
	if t := timingFrom(ctx); !t.scheduled.IsZero() {
		n := fmt.Sprint(req.Args["n"])
		r.c.mu.Lock()
		m := r.c.counts[n]
		if m == nil {
			m = map[int64]int{}
			r.c.counts[n] = m
		}
		m[t.scheduled.Unix()]++
		r.c.mu.Unlock()
	}
	return r.Runner.Run(ctx, req)
}

func (r countRunner) Prewarm(n int) int {
	if p, ok := r.Runner.(Prewarmer); ok {
		return p.Prewarm(n)
	}
	return 0
}

func (r countRunner) Prewarmed() int {
	if p, ok := r.Runner.(Prewarmer); ok {
		return p.Prewarmed()
	}
	return 0
}

// procCPU returns the CPU time of process pid (user + system).
func procCPU(pid int) time.Duration {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(data)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	if len(fields) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(fields[11], 10, 64)
	st, _ := strconv.ParseInt(fields[12], 10, 64)
	return time.Duration(ut+st) * (time.Second / 100) // USER_HZ
}

// claimCeiling runs claim-shaped transactions (the compare and writes of
// a scheduled claim, each on a new tick, each followed by the delete that
// releases it) from one client with workers goroutines for d, and returns
// the transactions per second etcd serves (claims and releases).
func claimCeiling(b *testing.B, endpoint string, workers int, d time.Duration) float64 {
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{endpoint}, DialTimeout: 5 * time.Second})
	if err != nil {
		b.Fatal(err)
	}
	defer cli.Close()
	lease, err := cli.Grant(context.Background(), 60)
	if err != nil {
		b.Fatal(err)
	}
	var n atomic.Int64
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			job := fmt.Sprintf("ceiling/%d", w)
			// last/JOB exists, as for a job claimed before (a Value
			// comparison with a missing key fails).
			if _, err := cli.Put(context.Background(), "ceiling/last/"+job, fmt.Sprintf("%020d", 0)); err != nil {
				b.Error(err)
				return
			}
			for i := 0; time.Now().Before(deadline); i++ {
				tick := fmt.Sprintf("%020d", i+1)
				rec := "ceiling/runs/" + job + "/" + tick
				resp, err := cli.Txn(context.Background()).If(
					clientv3.Compare(clientv3.Value("ceiling/last/"+job), "<", tick),
				).Then(
					clientv3.OpPut("ceiling/last/"+job, tick, clientv3.WithPrevKV()),
					clientv3.OpTxn([]clientv3.Cmp{clientv3.Compare(clientv3.CreateRevision("ceiling/running/"+job+"/"), "=", 0).WithPrefix()},
						[]clientv3.Op{
							clientv3.OpPut(rec, `{"job":"x","state":"running"}`),
							clientv3.OpPut("ceiling/running/"+job+"/"+tick, "n", clientv3.WithLease(lease.ID)),
							clientv3.OpPut("ceiling/active/"+job+"/"+tick, "n"),
						}, nil),
				).Commit()
				if err != nil {
					b.Error(err)
					return
				}
				if !resp.Succeeded || !resp.Responses[1].GetResponseTxn().Succeeded {
					b.Errorf("ceiling: claim %s of %s not won", tick, job)
					return
				}
				// Release, like Finish, so the next claim of the worker
				// finds the job idle.
				if _, err := cli.Delete(context.Background(), "ceiling/running/"+job+"/"+tick); err != nil {
					b.Error(err)
					return
				}
				n.Add(2) // the claim and its release
			}
		}()
	}
	wg.Wait()
	return float64(n.Load()) / d.Seconds()
}

// BenchmarkCluster3x1000Jobs runs three replicas (three Schedulers, each
// with its own etcd session, history and engine, in this process) of 1,000
// jobs on "@every 1s" against one etcd process (fsync on) and checks that
// every tick of every job ran exactly once. It reports the start delay
// (scheduled time -> script starts, as BenchmarkDaemon1000Jobs), the etcd
// requests of the replicas per tick, the CPU of the replicas (one process,
// so per replica is a third of it, emulator included) and of etcd, and the
// ceiling of etcd measured first in the same run: claim-shaped
// transactions (and the delete that ends each run) from one client with 64
// goroutines. SORACRON_BENCH_SECONDS sets the measured time (default 60),
// SORACRON_BENCH_JOBS the number of jobs (default 1000),
// SORACRON_BENCH_NOFSYNC=1 runs etcd without fsync, SORACRON_BENCH_LOG=1
// logs the replicas to stderr:
//
//	go test -run '^$' -bench BenchmarkCluster3x1000Jobs -benchtime 1x ./scheduler/
func BenchmarkCluster3x1000Jobs(b *testing.B) {
	const nReplicas = 3
	nJobs, seconds := 1000, 60
	if v, err := strconv.Atoi(os.Getenv("SORACRON_BENCH_JOBS")); err == nil && v > 0 {
		nJobs = v
	}
	if v, err := strconv.Atoi(os.Getenv("SORACRON_BENCH_SECONDS")); err == nil && v > 0 {
		seconds = v
	}
	dir := b.TempDir()
	if os.Getenv("SORACRON_BENCH_NOFSYNC") == "" {
		b.Setenv("SORACRON_ETCDTEST_FSYNC", "1")
	}
	etcd, err := etcdtest.StartProcess(filepath.Join(dir, "etcd"), 0)
	if err != nil {
		b.Fatal(err)
	}
	defer etcd.Stop()
	ceiling := claimCeiling(b, etcd.Endpoint, 64, 5*time.Second)

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
		fmt.Fprintf(&y, "  - {name: job-%04d, schedule: \"@every 1s\", script: one.lua, args: {n: %d}}\n", i, i)
	}
	cfg, err := jobs.Parse([]byte(y.String()), filepath.Join(dir, "jobs.yaml"), nil)
	if err != nil {
		b.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	if os.Getenv("SORACRON_BENCH_LOG") != "" {
		logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	counter := &tickCounter{counts: map[string]map[int64]int{}}
	var delays []*delayRunner
	var clusters []*cluster.Cluster
	var dones []chan error
	ctx, cancel := context.WithCancel(context.Background())
	for r := range nReplicas {
		cl, err := cluster.Open(cluster.Options{Endpoints: []string{etcd.Endpoint}, Prefix: "bench/",
			SessionTTL: 10 * time.Second, Node: fmt.Sprintf("r%d", r), Deferred: true})
		if err != nil {
			b.Fatal(err)
		}
		defer cl.Close()
		clusters = append(clusters, cl)
		metrics := metrics.New()
		client, err := sora.New(sora.Config{URL: srv.URL, OnRequest: metrics.ObserveRequest})
		if err != nil {
			b.Fatal(err)
		}
		dr := &delayRunner{Runner: countRunner{Runner: engine.New(engine.Options{Client: client, Logger: logger}), c: counter}}
		delays = append(delays, dr)
		store, err := history.Open(filepath.Join(dir, fmt.Sprintf("r%d.db", r)), history.Options{Keep: cfg.HistoryKeep})
		if err != nil {
			b.Fatal(err)
		}
		defer store.Close()
		s, err := New(Options{Config: cfg, Runner: dr, History: store, Logger: logger, Metrics: metrics, Cluster: cl})
		if err != nil {
			b.Fatal(err)
		}
		done := make(chan error, 1)
		dones = append(dones, done)
		go func() { done <- s.Run(ctx) }()
	}

	b.ResetTimer()
	time.Sleep(4 * time.Second) // warm-up: sessions, first ticks
	for _, dr := range delays {
		dr.mu.Lock()
		dr.measure = true
		dr.mu.Unlock()
	}
	var req0, txn0 uint64
	for _, cl := range clusters {
		req0 += cl.Requests()
		txn0 += cl.Transactions()
	}
	cpu0, etcd0, wall0 := cpuTime(), procCPU(etcd.Pid()), time.Now()
	time.Sleep(time.Duration(seconds) * time.Second)
	cpu, etcdCPU, wall := cpuTime()-cpu0, procCPU(etcd.Pid())-etcd0, time.Since(wall0)
	var reqs, txns uint64
	for _, cl := range clusters {
		reqs += cl.Requests()
		txns += cl.Transactions()
	}
	reqs -= req0
	txns -= txn0
	var all []time.Duration
	for _, dr := range delays {
		dr.mu.Lock()
		dr.measure = false
		all = append(all, dr.delays...)
		dr.mu.Unlock()
	}
	b.StopTimer()
	cancel()
	for _, d := range dones {
		if err := <-d; err != nil {
			b.Fatal(err)
		}
	}

	// Every tick of every job inside the measured window ran exactly once.
	first, last := wall0.Unix()+1, wall0.Add(wall).Unix()-1
	dups, gaps := 0, 0
	counter.mu.Lock()
	for i := range nJobs {
		m := counter.counts[strconv.Itoa(i)]
		for s := first; s <= last; s++ {
			switch n := m[s]; {
			case n == 0:
				gaps++
			case n > 1:
				dups += n - 1
			}
		}
	}
	counter.mu.Unlock()
	ticks := float64(last - first + 1)
	slices.Sort(all)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	perTick := float64(reqs) / wall.Seconds()
	txnPerS := float64(txns) / wall.Seconds()
	b.ReportMetric(float64(len(all))/wall.Seconds(), "runs/s")
	b.ReportMetric(ms(percentile(all, 0.50)), "p50-delay-ms")
	b.ReportMetric(ms(percentile(all, 0.99)), "p99-delay-ms")
	b.ReportMetric(ms(percentile(all, 1)), "max-delay-ms")
	b.ReportMetric(perTick, "etcd-req/tick")
	b.ReportMetric(cpu.Seconds()/wall.Seconds()/nReplicas, "cpu-cores/replica")
	b.ReportMetric(etcdCPU.Seconds()/wall.Seconds(), "etcd-cpu-cores")
	b.ReportMetric(txnPerS, "etcd-txn/tick")
	b.ReportMetric(ceiling, "ceiling-txn/s")
	b.ReportMetric(txnPerS/ceiling, "txn/ceiling")
	load, _ := os.ReadFile("/proc/loadavg")
	out, _ := json.Marshal(map[string]any{"dups": dups, "gaps": gaps})
	b.Logf("%d replicas x %d jobs @every 1s for %s: %d runs (%.0f ticks checked: %s), start delay p50 %s p99 %s max %s; "+
		"etcd requests %.0f/tick (claims of all replicas, finishes, prunes, sweeps, take-over reads), %.0f "+
		"transactions/tick (nested ones counted one by one; %.2f per run); cpu %.2f cores for the 3 replicas "+
		"and the emulator, etcd %.2f cores; etcd ceiling %.0f txn/s (claims and their releases, 64 goroutines, one client), the cluster's "+
		"transactions %.2f of it; loadavg %s",
		nReplicas, nJobs, wall.Round(time.Millisecond), len(all), ticks, out,
		percentile(all, 0.5).Round(time.Microsecond), percentile(all, 0.99).Round(time.Microsecond),
		percentile(all, 1).Round(time.Microsecond), perTick, txnPerS, float64(txns)/float64(max(len(all), 1)),
		cpu.Seconds()/wall.Seconds(), etcdCPU.Seconds()/wall.Seconds(), ceiling, txnPerS/ceiling,
		strings.TrimSpace(string(load)))
	if dups > 0 || gaps > 0 {
		b.Errorf("%d duplicate runs and %d ticks without a run over %d jobs x %.0f ticks", dups, gaps, nJobs, ticks)
	}
}
