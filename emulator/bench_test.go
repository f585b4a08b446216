package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/soracron/soracron/emulator/target"
)

// BenchmarkPutItem measures PutSignalingNotifyMetadataItem over loopback
// HTTP with keep-alive and 16 parallel clients, against the emulator and
// against a minimal net/http handler that decodes the same body into a
// struct and stores the value in a map under one mutex:
//
//	go test -run '^$' -bench BenchmarkPutItem -benchtime 40000x -count 3 ./emulator/
//
// Sub-benchmarks emulator and baseline each drive one server. On a shared
// machine their numbers drift with the load of other processes, so
// "interleaved" alternates rounds of 256 requests between the two servers
// and reports both rates, emulator/baseline (ratio of total times) and the
// median of the per-round ratios, which are the figures to quote.
func BenchmarkPutItem(b *testing.B) {
	emu := startBenchEmulator(b)
	base := startBaseline(b)
	b.Run("emulator", func(b *testing.B) {
		b.ReportAllocs()
		d := emu.drive(b, b.N)
		b.ReportMetric(float64(b.N)/d.Seconds(), "req/s")
	})
	b.Run("baseline", func(b *testing.B) {
		b.ReportAllocs()
		d := base.drive(b, b.N)
		b.ReportMetric(float64(b.N)/d.Seconds(), "req/s")
	})
	b.Run("interleaved", func(b *testing.B) {
		const round = 256
		var de, db, ce, cb time.Duration // wall and CPU time of each side
		var ratios []float64
		n := 0
		for i := 0; n < b.N; i++ {
			var e, l time.Duration
			if i%2 == 0 {
				e = emu.measure(b, round, &ce)
				l = base.measure(b, round, &cb)
			} else {
				l = base.measure(b, round, &cb)
				e = emu.measure(b, round, &ce)
			}
			de, db = de+e, db+l
			ratios = append(ratios, l.Seconds()/e.Seconds())
			n += 2 * round
		}
		half := float64(n / 2)
		slices.Sort(ratios)
		b.ReportMetric(half/de.Seconds(), "emulator-req/s")
		b.ReportMetric(half/db.Seconds(), "baseline-req/s")
		b.ReportMetric(db.Seconds()/de.Seconds(), "emulator/baseline")
		// The median of per-round ratios shrugs off bursts of load that
		// hit only one side of a pair.
		b.ReportMetric(ratios[len(ratios)/2], "median-ratio")
		// CPU time per request of the whole process (client and server; the
		// client side is the same code for both) does not depend on how
		// busy the machine is.
		if ce > 0 && cb > 0 {
			b.ReportMetric(float64(ce.Microseconds())/half, "emulator-cpu-µs/req")
			b.ReportMetric(float64(cb.Microseconds())/half, "baseline-cpu-µs/req")
		}
	})
}

// benchTarget is a server under load test with its keep-alive client.
type benchTarget struct {
	url    string
	ids    []string
	client *http.Client
}

const benchClients = 16

func startBenchEmulator(b *testing.B) *benchTarget {
	e := New(Options{})
	ids := e.Generate("sora", benchClients)
	srv, err := Start(e, "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { srv.Close() })
	return newBenchTarget(b, srv.URL, ids)
}

func startBaseline(b *testing.B) *benchTarget {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	hs := &http.Server{Handler: &baselineHandler{m: map[string]json.RawMessage{}}}
	go hs.Serve(ln) //nolint:errcheck // closed by cleanup
	b.Cleanup(func() { hs.Close() })
	return newBenchTarget(b, "http://"+ln.Addr().String()+"/", New(Options{Seed: 1}).Generate("sora", benchClients))
}

func newBenchTarget(b *testing.B, url string, ids []string) *benchTarget {
	tr := &http.Transport{MaxIdleConns: 2 * benchClients, MaxIdleConnsPerHost: 2 * benchClients}
	b.Cleanup(tr.CloseIdleConnections)
	return &benchTarget{url: url, ids: ids, client: &http.Client{Transport: tr}}
}

// measure drives n requests, adds the CPU time they took to cpu and returns
// the wall time.
func (t *benchTarget) measure(b *testing.B, n int, cpu *time.Duration) time.Duration {
	c0 := cpuTime()
	d := t.drive(b, n)
	*cpu += cpuTime() - c0
	return d
}

// drive sends n PutItem requests from benchClients goroutines and returns
// the wall time taken.
func (t *benchTarget) drive(b *testing.B, n int) time.Duration {
	var wg sync.WaitGroup
	start := time.Now()
	for g := range benchClients {
		count := n / benchClients
		if g < n%benchClients {
			count++
		}
		bodies := putItemBodies(t.ids[g])
		wg.Go(func() {
			for i := range count {
				if err := t.putItem(bodies[i%len(bodies)]); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	return time.Since(start)
}

func (t *benchTarget) putItem(body []byte) error {
	req, err := http.NewRequest(http.MethodPost, t.url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Sora-Target", target.PutItem)
	resp, err := t.client.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return nil
}

// baselineHandler is the bar the emulator is measured against.
type baselineHandler struct {
	mu sync.Mutex
	m  map[string]json.RawMessage
}

func (h *baselineHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var req struct {
		ChannelID    string          `json:"channel_id"`
		ConnectionID string          `json:"connection_id"`
		Key          string          `json:"key"`
		Value        json.RawMessage `json:"value"`
		Push         bool            `json:"push"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	h.mu.Lock()
	h.m[req.ChannelID+"/"+req.ConnectionID+"/"+req.Key] = req.Value
	h.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{}`))
}

// putItemBodies returns request bodies cycling over 8 keys of one connection.
func putItemBodies(id string) [][]byte {
	bodies := make([][]byte, 8)
	for k := range bodies {
		bodies[k] = fmt.Appendf(nil, `{"channel_id":"sora","connection_id":"%s","key":"k%d","value":{"status":"busy","seat":%d},"push":false}`, id, k, k)
	}
	return bodies
}

// BenchmarkHandlerPutItem measures the emulator's handler alone (no
// network), to profile the hot path and count its allocations.
func BenchmarkHandlerPutItem(b *testing.B) {
	e := New(Options{})
	ids := e.Generate("sora", 16)
	var next atomic.Int64
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		bodies := putItemBodies(ids[int(next.Add(1))%len(ids)])
		for i := 0; pb.Next(); i++ {
			req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(bodies[i%len(bodies)]))
			req.Header.Set("X-Sora-Target", target.PutItem)
			w := httptest.NewRecorder()
			e.ServeHTTP(w, req)
			if w.Code != http.StatusOK {
				b.Errorf("status %d", w.Code)
				return
			}
		}
	})
}
