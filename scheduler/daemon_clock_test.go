package scheduler

import (
	"sync"
	"testing"
	"time"
)

// fakeClock is a Clock whose time only moves with Advance.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers map[*fakeTimer]struct{}
}

type fakeTimer struct {
	c    *fakeClock
	when time.Time
	ch   chan time.Time
}

func newFakeClock(now time.Time) *fakeClock {
	return &fakeClock{now: now, timers: map[*fakeTimer]struct{}{}}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) NewTimer(d time.Duration) Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &fakeTimer{c: c, when: c.now.Add(d), ch: make(chan time.Time, 1)}
	if d <= 0 {
		t.ch <- c.now
		return t
	}
	c.timers[t] = struct{}{}
	return t
}

func (t *fakeTimer) C() <-chan time.Time { return t.ch }

func (t *fakeTimer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	_, pending := t.c.timers[t]
	delete(t.c.timers, t)
	return pending
}

// Advance moves the clock forward by d and fires the timers that are due.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	for t := range c.timers {
		if !t.when.After(c.now) {
			delete(c.timers, t)
			t.ch <- c.now
		}
	}
}

// pending returns the number of timers waiting.
func (c *fakeClock) pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.timers)
}

// waitTimers waits until at least n timers are waiting (the schedule loop,
// retries or shutdown went to sleep).
func (c *fakeClock) waitTimers(t testing.TB, n int) {
	t.Helper()
	waitFor(t, 10*time.Second, func() bool { return c.pending() >= n }, "%d timers pending", n)
}

// waitFor polls cond until it holds or timeout passes.
func waitFor(t testing.TB, timeout time.Duration, cond func() bool, format string, args ...any) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for: "+format, append([]any{timeout}, args...)...)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestDaemonFakeClock(t *testing.T) {
	c := newFakeClock(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	t1 := c.NewTimer(time.Second)
	t2 := c.NewTimer(3 * time.Second)
	if got := sleep(c, 0); !got {
		t.Fatal("sleep(0) = false")
	}
	c.Advance(time.Second)
	select {
	case <-t1.C():
	default:
		t.Fatal("timer of 1s did not fire after 1s")
	}
	select {
	case <-t2.C():
		t.Fatal("timer of 3s fired after 1s")
	default:
	}
	if !t2.Stop() || t2.Stop() {
		t.Fatal("Stop should report true once")
	}
	if c.pending() != 0 {
		t.Fatalf("pending = %d", c.pending())
	}
}
