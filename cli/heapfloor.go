package cli

import "runtime"

// heapFloor is the heap a `soracron run` may grow to before the garbage
// collector runs, however little the run keeps (withHeapFloor).
const heapFloor = 4 << 20

// withHeapFloor gives the garbage collector of one `soracron run` a floor:
// a ballast of heapFloor bytes that it counts as live, so that a collection
// comes when the heap reaches about twice (what the run keeps +
// heapFloor). Without it, a run that keeps 4 MiB (soracron's own state and
// a 10,000-connection List as text) collects every 4 MiB it allocates: a
// 10,000-connection update_all at concurrency 64 made 24 collections where
// the plain Go client, which keeps its List as structs, made 14, and used
// 1.17-1.20x its CPU. A floor of 4 MiB halves the collections of such a
// run for a few MiB of peak RSS (8 MiB saved a little more CPU for twice
// the memory). The ballast holds no pointers, so the collector never scans
// it, and nothing writes it, so its pages are not resident. A user who
// tuned the collector (GOGC or GOMEMLIMIT set) gets no ballast. The
// function returned keeps the ballast alive: call it when the run ends.
func withHeapFloor(getenv func(string) string) (end func()) {
	if getenv("GOGC") != "" || getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	ballast := make([]byte, heapFloor)
	return func() { runtime.KeepAlive(ballast) }
}
