package scheduler

import (
	"testing"
	"time"

	"github.com/soracron/soracron/internal/clocktest"
	"github.com/soracron/soracron/scheduler/clock"
)

// fakeClock is the shared fake clock as a clock.Clock: its time only moves with
// Advance.
type fakeClock struct{ *clocktest.Clock }

func newFakeClock(now time.Time) *fakeClock { return &fakeClock{clocktest.New(now)} }

// NewTimer returns a timer of the fake clock as a clock.Timer.
func (c *fakeClock) NewTimer(d time.Duration) clock.Timer { return c.Clock.NewTimer(d) }

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
	if got := clock.Sleep(c, 0); !got {
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
	if c.Pending() != 0 {
		t.Fatalf("pending = %d", c.Pending())
	}
}
