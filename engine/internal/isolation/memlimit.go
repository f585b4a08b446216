package isolation

import (
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// memCheckEvery is how often the memory watchdog of an isolated run reads
// the heap's size.
const memCheckEvery = 5 * time.Millisecond

// limitMemory caps the memory of this process (an isolated run's child)
// at limit bytes of live heap:
//
//   - a watchdog reads the heap every memCheckEvery and calls exceeded
//     when the heap live at the last collection is over limit, or when the
//     heap's objects (live or not yet collected) are over twice the limit
//     (the collector lets the heap grow to twice what was live before it
//     collects): a bomb ends within milliseconds of the cap, whatever the
//     script is doing (the call exits the process). It does not force
//     collections: near the limit they would slow every run down.
//   - the Go runtime's soft limit (debug.SetMemoryLimit) at twice the
//     limit makes the collector work harder rather than let the heap pass
//     what the watchdog allows;
//   - an OS limit on the process's writable private memory (RLIMIT_DATA;
//     see dataLimit), for an allocation too fast or too large for the
//     watchdog: the runtime then fails with "out of memory". Not
//     RLIMIT_AS: the Go runtime reserves address space it does not use
//     (an idle soracron has 1.7 GB of it, 130 MB of data). Not set in
//     a binary built with the race detector: ThreadSanitizer maps its
//     shadow memory as data as it goes, and a child under the OS limit
//     dies with "ThreadSanitizer failed to allocate" (exit status 66)
//     instead of reporting the limit; the watchdog and the soft limit
//     still enforce the limit there.
//
// It returns a function that stops the watchdog.
func limitMemory(limit int64, exceeded func(heap uint64)) (stop func()) {
	debug.SetMemoryLimit(2 * limit)
	if !raceEnabled {
		setDataLimit(dataLimit(limit))
	}
	done := make(chan struct{})
	go func() {
		samples := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/gc/heap/live:bytes"}}
		t := time.NewTicker(memCheckEvery)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			metrics.Read(samples)
			objects, live := samples[0].Value.Uint64(), samples[1].Value.Uint64()
			switch {
			case live > uint64(limit):
				exceeded(live)
				return
			case objects > 2*uint64(limit):
				exceeded(objects)
				return
			}
		}
	}()
	return func() { close(done) }
}

// dataLimit is the OS limit on the data memory of a child whose memory
// limit is limit: three times the limit (what the watchdog allows, and
// room for the allocation that passes it) plus 512 MiB
// for what the Go runtime and the binary map beyond the heap (an idle
// child has about 130 MB).
func dataLimit(limit int64) uint64 { return uint64(3*limit) + 512<<20 }
