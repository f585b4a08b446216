package clocktest

import (
	"sync"
	"testing"
	"time"
)

// waitTimeout bounds WaitTimers: generous, because the machine running the
// tests may be shared.
const waitTimeout = 10 * time.Second

// Clock is a clock whose time only moves with Advance. It is safe for
// concurrent use.
type Clock struct {
	mu     sync.Mutex
	now    time.Time
	timers map[*Timer]struct{}
}

// Timer is a one-shot timer of a Clock.
type Timer struct {
	c    *Clock
	when time.Time
	ch   chan time.Time
}

// New returns a Clock reading now.
func New(now time.Time) *Clock {
	return &Clock{now: now, timers: map[*Timer]struct{}{}}
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// NewTimer returns a timer that fires when the clock has advanced by d; at
// once when d is not positive.
func (c *Clock) NewTimer(d time.Duration) *Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &Timer{c: c, when: c.now.Add(d), ch: make(chan time.Time, 1)}
	if d <= 0 {
		t.ch <- c.now
		return t
	}
	c.timers[t] = struct{}{}
	return t
}

// C delivers the clock's time when the timer fires.
func (t *Timer) C() <-chan time.Time { return t.ch }

// Stop prevents the timer from firing; it reports whether it stopped it.
func (t *Timer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	_, pending := t.c.timers[t]
	delete(t.c.timers, t)
	return pending
}

// Advance moves the clock forward by d and fires the timers that are due.
func (c *Clock) Advance(d time.Duration) {
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

// Pending returns the number of timers waiting.
func (c *Clock) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.timers)
}

// WaitTimers waits until at least n timers are waiting (the code under test
// went to sleep on the clock), failing t after 10 seconds.
func (c *Clock) WaitTimers(t testing.TB, n int) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for c.Pending() < n {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for: %d timers pending", waitTimeout, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
