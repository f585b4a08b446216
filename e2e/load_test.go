package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/soracron/soracron/emulator"
	"github.com/soracron/soracron/scheduler/history"
)

// loadEnv enables TestDaemonLoad, which takes over a minute.
const loadEnv = "SORACRON_LOAD_TEST"

// rssKiB returns the resident set size of the process (Linux), 0 elsewhere.
func rssKiB() int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return n
		}
	}
	return 0
}

// heapAfterGC returns the live heap in bytes.
func heapAfterGC() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// TestDaemonLoad runs the daemon with 200 jobs firing every second for 60
// seconds against the emulator with 5% of all requests failing (503): no
// crash, no stuck job, every job keeps its schedule, memory stays flat.
//
//	SORACRON_LOAD_TEST=1 go test -run '^TestDaemonLoad$' -v -timeout 5m ./e2e/
func TestDaemonLoad(t *testing.T) {
	if os.Getenv(loadEnv) == "" {
		t.Skip("set " + loadEnv + "=1 to run the load test (about 70 seconds)")
	}
	const (
		jobs     = 200
		duration = 60 * time.Second
	)
	e, srv, ids := startEmulator(t, emulator.Faults{Seed: 5, Rules: []emulator.FaultRule{{FailRate: 0.05}}}, jobs)
	var yaml bytes.Buffer
	fmt.Fprintf(&yaml, "sora: {url: \"{{url}}\", timeout: 5s, retries: 3}\nhistory: {keep: 100}\njobs:\n")
	for i := range jobs {
		fmt.Fprintf(&yaml, "  - {name: job%03d, schedule: \"@every 1s\", script: count.lua, timeout: 10s, args: {conn: %s}}\n", i, ids[i])
	}
	d := startDaemon(t, srv.URL, yaml.String(), map[string]string{"count.lua": `local sora = require("sora")
local md = assert(sora.get("sora", args.conn))
assert(sora.put_item("sora", args.conn, "runs", (md.runs or 0) + 1))
return md.runs
`})
	start := time.Now()
	type sample struct {
		at   time.Duration
		rss  int64
		heap uint64
	}
	var samples []sample
	for time.Since(start) < duration {
		time.Sleep(5 * time.Second)
		s := sample{time.Since(start).Round(time.Second), rssKiB(), heapAfterGC()}
		samples = append(samples, s)
		t.Logf("t=%s rss=%d KiB heap=%.1f MiB goroutines=%d", s.at, s.rss, float64(s.heap)/(1<<20), runtime.NumGoroutine())
	}
	d.stop(t)

	// Every job ran about once a second; no run is left running.
	store, err := history.Open(d.state, history.Options{Keep: 100})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	var ok, failed, other int
	for i := range jobs {
		name := fmt.Sprintf("job%03d", i)
		runs, err := store.List(context.Background(), name, 1000)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range runs {
			switch r.Outcome {
			case history.OutcomeOK:
				ok++
			case history.OutcomeFailed:
				failed++
			default:
				other++
				if r.Outcome == history.OutcomeRunning || r.Outcome == history.OutcomeInterrupted {
					t.Errorf("%s run %d: %s", name, r.ID, r.Outcome)
				}
			}
		}
		md, _ := e.Metadata("sora", ids[i])
		n, _ := strconv.Atoi(fmt.Sprint(md["runs"]))
		if n < int(duration/time.Second)*8/10 {
			t.Errorf("%s counted %d runs in %s, want about one a second", name, n, duration)
		}
	}
	t.Logf("runs in the last 100 of each job: %d ok, %d failed, %d other; injected %+v", ok, failed, other, e.FaultStats())
	if failed > (ok+failed)/100 {
		t.Errorf("%d of %d runs failed with 3 retries at a 5%% fault rate", failed, ok+failed)
	}
	if e.FaultStats().Failed == 0 {
		t.Error("no fault was injected")
	}
	// Memory is flat: the smallest live heap of the last 20 seconds is
	// within 1.5x (+8 MiB) of the smallest between 10 and 30 seconds, when
	// every cache and pool has filled. (Minimums: a sample taken while many
	// runs are in flight sees their garbage-to-be.)
	minHeap := func(from, to time.Duration) (m uint64) {
		m = ^uint64(0)
		for _, s := range samples {
			if s.at >= from && s.at <= to {
				m = min(m, s.heap)
			}
		}
		return m
	}
	early, late := minHeap(10*time.Second, 30*time.Second), minHeap(duration-20*time.Second, duration)
	if late > early*3/2+8<<20 {
		t.Errorf("live heap grew from %.1f MiB to %.1f MiB", float64(early)/(1<<20), float64(late)/(1<<20))
	}
	ref, last := samples[0], samples[len(samples)-1]
	t.Logf("RSS: %d KiB at %s, %d KiB at %s; minimum live heap %.1f MiB (10-30s), %.1f MiB (last 20s)",
		ref.rss, ref.at, last.rss, last.at, float64(early)/(1<<20), float64(late)/(1<<20))
}
