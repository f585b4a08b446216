package scheduler

import (
	"sync"
	"time"
)

// maxGateWait bounds how long history writes wait for runs to start.
const maxGateWait = 250 * time.Millisecond

// startGate (nil: no gate) holds history writes back while runs are starting. When many
// jobs are due at the same instant (1,000 jobs on "@every 1s"), the CPU
// first goes to starting their scripts, and the database work (one
// transaction per Begin and per Finish, on a single writer connection)
// follows; otherwise every start waits behind the writes of the runs
// started before it. A write waits at most maxGateWait.
type startGate struct {
	mu   sync.Mutex
	n    int           // runs dispatched whose script has not started
	open chan struct{} // closed while n == 0
}

func newStartGate() *startGate {
	g := &startGate{open: make(chan struct{})}
	close(g.open)
	return g
}

// add counts a run about to start.
func (g *startGate) add() {
	if g == nil {
		return
	}
	g.mu.Lock()
	if g.n == 0 {
		g.open = make(chan struct{})
	}
	g.n++
	g.mu.Unlock()
}

// done counts a run that started (or will not).
func (g *startGate) done() {
	if g == nil {
		return
	}
	g.mu.Lock()
	g.n--
	if g.n == 0 {
		close(g.open)
	}
	g.mu.Unlock()
}

// wait returns once no run is starting, or after maxGateWait.
func (g *startGate) wait() {
	if g == nil {
		return
	}
	g.mu.Lock()
	ch := g.open
	g.mu.Unlock()
	select {
	case <-ch:
		return
	default:
	}
	t := time.NewTimer(maxGateWait)
	defer t.Stop()
	select {
	case <-ch:
	case <-t.C:
	}
}
