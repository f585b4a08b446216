package clocktest

import (
	"testing"
	"time"
)

var epoch = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// fired reports whether t has fired, without waiting.
func fired(t *Timer) bool {
	select {
	case <-t.C():
		return true
	default:
		return false
	}
}

func TestTimers(t *testing.T) {
	tests := []struct {
		name    string
		after   time.Duration // timer duration
		advance []time.Duration
		fired   bool
		now     time.Time
	}{
		{"zero fires at once", 0, nil, true, epoch},
		{"negative fires at once", -time.Second, nil, true, epoch},
		{"not before its time", 3 * time.Second, []time.Duration{time.Second}, false, epoch.Add(time.Second)},
		{"exactly at its time", time.Second, []time.Duration{time.Second}, true, epoch.Add(time.Second)},
		{"in several steps", 3 * time.Second, []time.Duration{time.Second, 2 * time.Second}, true, epoch.Add(3 * time.Second)},
		{"past its time", time.Second, []time.Duration{time.Hour}, true, epoch.Add(time.Hour)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := New(epoch)
			tm := c.NewTimer(tt.after)
			for _, d := range tt.advance {
				c.Advance(d)
			}
			if got := fired(tm); got != tt.fired {
				t.Errorf("fired = %v, want %v", got, tt.fired)
			}
			if got := c.Now(); !got.Equal(tt.now) {
				t.Errorf("Now = %v, want %v", got, tt.now)
			}
			wantPending := 0
			if !tt.fired {
				wantPending = 1
			}
			if got := c.Pending(); got != wantPending {
				t.Errorf("Pending = %d, want %d", got, wantPending)
			}
		})
	}
}

func TestStop(t *testing.T) {
	c := New(epoch)
	tm := c.NewTimer(time.Second)
	if !tm.Stop() {
		t.Fatal("first Stop = false, want true")
	}
	if tm.Stop() {
		t.Fatal("second Stop = true, want false")
	}
	c.Advance(time.Hour)
	if fired(tm) {
		t.Fatal("a stopped timer fired")
	}
	if c.Pending() != 0 {
		t.Fatalf("Pending = %d, want 0", c.Pending())
	}
}

func TestWaitTimers(t *testing.T) {
	c := New(epoch)
	go func() {
		time.Sleep(10 * time.Millisecond)
		c.NewTimer(time.Second)
		c.NewTimer(time.Minute)
	}()
	c.WaitTimers(t, 2)
	if got := c.Pending(); got != 2 {
		t.Fatalf("Pending = %d, want 2", got)
	}
}
