package scheduler

import (
	"runtime"
	"time"
)

// Prewarmer is implemented by runners that can build the sandboxes of runs
// ahead of time (*engine.Engine). The daemon then has a sandbox ready for
// every job due within prewarmAhead, built while no run is starting: when
// many jobs are due at the same instant, their scripts start without each
// building its sandbox first. Every run still gets a fresh sandbox.
type Prewarmer interface {
	// Prewarm builds sandboxes until n are ready and returns how many it
	// built.
	Prewarm(n int) int
	// Prewarmed returns how many sandboxes are ready.
	Prewarmed() int
}

const (
	// prewarmAhead is how long before their runs the sandboxes are built:
	// long enough to build a thousand on a busy machine, short enough not
	// to hold them (about 40 KiB each) for long.
	prewarmAhead = 500 * time.Millisecond
	// prewarmStep is how many sandboxes are built between two checks that
	// no run is starting (building them must not delay the starts).
	prewarmStep = 32
	// idleGCBurst is the size of a burst of runs (dispatched at once) after
	// which the daemon collects garbage as soon as they have started.
	idleGCBurst = 256
)

// prewarmLoop keeps a sandbox ready for every job due within prewarmAhead
// until the daemon stops. It runs again after every dispatch and reload,
// and when the next job comes within prewarmAhead. It sleeps in real time,
// not on the Clock: it only saves time, and a test's fake clock only counts
// the timers of the schedule.
//
// After a burst of runs (idleGCBurst or more dispatched at once), once they
// have started, it also runs the garbage collector: the sandboxes of the
// burst are garbage by then, and collecting them before the next ones are
// built keeps the heap small, and the collector away from the next burst
// (a collection that overlaps a burst slows its starts down several
// times, with its mark assists).
func (s *Scheduler) prewarmLoop(p Prewarmer) {
	defer s.wg.Done()
	for {
		if s.burst.Swap(0) >= idleGCBurst {
			s.gate.wait()
			runtime.GC()
		}
		n, wait := s.dueSoon(s.clock.Now())
		s.prewarm(p, n)
		t := time.NewTimer(wait)
		select {
		case <-s.stop:
			t.Stop()
			return
		case <-s.prewarmKick:
			t.Stop()
		case <-t.C:
		}
	}
}

// dueSoon counts the jobs due within prewarmAhead of now, and returns how
// long until the next one that is not comes within that range.
func (s *Scheduler) dueSoon(now time.Time) (int, time.Duration) {
	horizon := now.Add(prewarmAhead)
	n, wait := 0, maxWait
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, js := range s.jobs {
		switch {
		case js.job == nil || js.next.IsZero():
		case !js.next.After(horizon):
			n++
		default:
			wait = min(wait, js.next.Sub(horizon))
		}
	}
	return n, wait
}

// prewarm builds sandboxes until n are ready, a step at a time, each step
// once no run is starting.
func (s *Scheduler) prewarm(p Prewarmer, n int) {
	for {
		ready := p.Prewarmed()
		if ready >= n {
			return
		}
		s.gate.wait()
		select {
		case <-s.stop:
			return
		default:
		}
		if p.Prewarm(min(n, ready+prewarmStep)) == 0 && p.Prewarmed() <= ready {
			return // the runner keeps no more
		}
	}
}

// kickPrewarm wakes the prewarm loop up after n runs were dispatched (0
// after a reload).
func (s *Scheduler) kickPrewarm(n int) {
	s.burst.Add(int64(n))
	select {
	case s.prewarmKick <- struct{}{}:
	default:
	}
}
