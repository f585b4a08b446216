package burst

import (
	"runtime"
	"sync/atomic"
	"time"
)

// Prewarmer is implemented by runners that can build the sandboxes of runs
// ahead of time (*engine.Engine). The daemon then has a sandbox ready for
// every job due within Ahead, built while no run is starting: when many
// jobs are due at the same instant, their scripts start without each
// building its sandbox first. Every run still gets a fresh sandbox.
type Prewarmer interface {
	// Prewarm builds sandboxes until n are ready and returns how many it
	// built.
	Prewarm(n int) int
	// Prewarmed returns how many sandboxes are ready.
	Prewarmed() int
}

const (
	// Ahead is how long before their runs the sandboxes are built: long
	// enough to build a thousand on a busy machine, short enough not to
	// hold them (about 40 KiB each) for long.
	Ahead = 500 * time.Millisecond
	// prewarmStep is how many sandboxes are built between two checks that
	// no run is starting (building them must not delay the starts).
	prewarmStep = 32
	// idleGCBurst is the size of a burst of runs (dispatched at once) after
	// which the daemon collects garbage as soon as they have started.
	idleGCBurst = 256
)

// Loop is the prewarm loop of a daemon.
type Loop struct {
	gate  *Gate
	due   func(now time.Time) (int, time.Duration)
	now   func() time.Time
	stop  <-chan struct{}
	kick  chan struct{} // nudges the loop after a dispatch or a reload
	burst atomic.Int64  // runs dispatched since the loop last looked
}

// NewLoop returns a prewarm loop that builds sandboxes while gate is
// open, until stop is closed. due(now) counts the jobs due within Ahead of
// now, and returns how long until the next one that is not comes within
// that range; now is the time of the daemon's clock.
func NewLoop(gate *Gate, due func(now time.Time) (int, time.Duration), now func() time.Time, stop <-chan struct{}) *Loop {
	return &Loop{gate: gate, due: due, now: now, stop: stop, kick: make(chan struct{}, 1)}
}

// Run keeps a sandbox of p ready for every job due within Ahead until stop
// is closed. It runs again after every Kick, and when the next job comes
// within Ahead. It sleeps in real time, not on the daemon's clock: it only
// saves time, and a test's fake clock only counts the timers of the
// schedule.
//
// After a burst of runs (idleGCBurst or more dispatched at once), once they
// have started, it also runs the garbage collector: the sandboxes of the
// burst are garbage by then, and collecting them before the next ones are
// built keeps the heap small, and the collector away from the next burst
// (a collection that overlaps a burst slows its starts down several
// times, with its mark assists).
func (l *Loop) Run(p Prewarmer) {
	for {
		if l.burst.Swap(0) >= idleGCBurst {
			l.gate.Wait()
			runtime.GC()
		}
		n, wait := l.due(l.now())
		l.prewarm(p, n)
		t := time.NewTimer(wait)
		select {
		case <-l.stop:
			t.Stop()
			return
		case <-l.kick:
			t.Stop()
		case <-t.C:
		}
	}
}

// prewarm builds sandboxes until n are ready, a step at a time, each step
// once no run is starting.
func (l *Loop) prewarm(p Prewarmer, n int) {
	for {
		ready := p.Prewarmed()
		if ready >= n {
			return
		}
		l.gate.Wait()
		select {
		case <-l.stop:
			return
		default:
		}
		if p.Prewarm(min(n, ready+prewarmStep)) == 0 && p.Prewarmed() <= ready {
			return // the runner keeps no more
		}
	}
}

// Kick wakes the loop up after n runs were dispatched (0 after a reload).
func (l *Loop) Kick(n int) {
	l.burst.Add(int64(n))
	select {
	case l.kick <- struct{}{}:
	default:
	}
}
