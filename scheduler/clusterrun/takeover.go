package clusterrun

import (
	"cmp"
	"slices"
	"time"

	"github.com/soracron/soracron/scheduler/clock"
)

// TakeOverDelay is how long after a tick is due a replica of rank r (0
// for the job's preferred owner) claims it, if it is still undecided then.
func TakeOverDelay(rank int, grace time.Duration) time.Duration {
	return time.Duration(rank) * grace
}

// TakeOver waits, from now on c, for the delays of the items (after(item);
// shortest first, in their order among equal ones) and hands each group of
// items of the same delay to claim. Once stop is closed, it hands the
// items not claimed yet to drop instead, and returns.
func TakeOver[T any](c clock.Clock, stop <-chan struct{}, items []T, after func(T) time.Duration, claim func([]T),
	drop func(T)) {
	slices.SortStableFunc(items, func(a, b T) int { return cmp.Compare(after(a), after(b)) })
	start := c.Now()
	for len(items) > 0 {
		n := 1
		for n < len(items) && after(items[n]) == after(items[0]) {
			n++
		}
		if !clock.Sleep(c, after(items[0])-c.Now().Sub(start), stop) {
			for _, it := range items {
				drop(it)
			}
			return
		}
		claim(items[:n])
		items = items[n:]
	}
}
