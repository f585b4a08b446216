package burst

import (
	"sync"
	"time"
)

// maxGateWait bounds how long history writes wait for runs to start.
const maxGateWait = 250 * time.Millisecond

// Gate (nil: no gate) holds history writes, and the work that follows
// the end of a run, back while runs are starting. When many jobs are due at
// the same instant (1,000 jobs on "@every 1s"), the CPU first goes to
// starting their scripts, and the bookkeeping and database work follows;
// otherwise every start waits behind the work of the runs started before
// it. The gate closes when a run is dispatched while none is starting, and
// the work it holds waits at most until maxGateWait after that.
type Gate struct {
	mu      sync.Mutex
	n       int           // runs dispatched whose script has not started
	open    chan struct{} // closed while n == 0
	expired chan struct{} // closed maxGateWait after the gate closed
	timer   *time.Timer   // closes expired
}

// NewGate returns an open gate.
func NewGate() *Gate {
	g := &Gate{open: make(chan struct{})}
	close(g.open)
	return g
}

// Add counts a run about to start.
func (g *Gate) Add() {
	if g == nil {
		return
	}
	g.mu.Lock()
	if g.n == 0 {
		g.open = make(chan struct{})
		expired := make(chan struct{})
		g.expired = expired
		g.timer = time.AfterFunc(maxGateWait, func() { close(expired) })
	}
	g.n++
	g.mu.Unlock()
}

// Done counts a run that started (or will not).
func (g *Gate) Done() {
	if g == nil {
		return
	}
	g.mu.Lock()
	g.n--
	if g.n == 0 {
		close(g.open)
		g.timer.Stop()
	}
	g.mu.Unlock()
}

// Wait returns once no run is starting, or once the gate has been closed
// for maxGateWait.
func (g *Gate) Wait() {
	if g == nil {
		return
	}
	g.mu.Lock()
	open, expired := g.open, g.expired
	g.mu.Unlock()
	select {
	case <-open:
	case <-expired:
	}
}
