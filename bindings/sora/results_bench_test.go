package sora

import (
	"runtime"
	"runtime/metrics"
	"testing"
	"time"

	"github.com/soracron/soracron/sora"
)

// BenchmarkResultsMemory measures what sora.batch adds to a script's memory
// at 100,000 put_item requests (one per connection; the requests table is
// built before and not counted): live-MiB is the heap the batch leaves
// live once it returned (its results, all untouched or all read),
// peak-MiB the largest heap of objects during the batch (live or not yet
// collected, the emulator in this process included) above the heap before
// it.
//
//	go test -run '^$' -bench 'ResultsMemory' -benchtime 1x ./bindings/sora/
func BenchmarkResultsMemory(b *testing.B) {
	const n = 100000
	env := startEmulator(b)
	env.client = newSoraClient(b, env.url, sora.Config{MaxConns: 64})
	ids := env.emu.Generate("bench", n)
	heap := func() uint64 {
		var m runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	for _, touch := range []struct {
		name, code string
	}{
		{"untouched", ""},
		{"all read", `for _, r in ipairs(results) do assert(r.ok and r.value.n) end`},
	} {
		b.Run(touch.name, func(b *testing.B) {
			b.StopTimer()
			for range b.N {
				L := benchLua(b, New(env.client, Options{Logger: quietLogger}), ids)
				if _, err := runSora(L, `
reqs = {}
for i, id in ipairs(ids) do
  reqs[i] = {action = "put_item", channel_id = "bench", connection_id = id, key = "n", value = i}
end`); err != nil {
					b.Fatal(err)
				}
				fn, err := L.LoadString(`
results = require("sora").batch(reqs, {concurrency = 16})
` + touch.code)
				if err != nil {
					b.Fatal(err)
				}
				before := heap()
				peak := peakHeap()
				b.StartTimer()
				L.Push(fn)
				if err := L.PCall(0, 0, nil); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				top := peak()
				after := heap()
				runtime.KeepAlive(L.GetGlobal("results"))
				b.ReportMetric(float64(after-min(before, after))/(1<<20), "live-MiB")
				b.ReportMetric(float64(top-min(before, top))/(1<<20), "peak-MiB")
			}
			b.StartTimer()
		})
	}
}

// peakHeap samples the heap's objects (live or not yet collected) every
// millisecond until the function it returns is called, which returns the
// largest sample.
func peakHeap() func() uint64 {
	stop := make(chan uint64)
	go func() {
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		var top uint64
		for {
			metrics.Read(s)
			top = max(top, s[0].Value.Uint64())
			select {
			case stop <- top:
				return
			case <-time.After(time.Millisecond):
			}
		}
	}()
	return func() uint64 { return <-stop }
}
