package clock

import "time"

// Clock is the time source of the scheduler.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// NewTimer returns a timer that fires once, after d.
	NewTimer(d time.Duration) Timer
}

// Timer is a one-shot timer of a Clock.
type Timer interface {
	// C delivers the time when the timer fires.
	C() <-chan time.Time
	// Stop prevents the timer from firing; it reports whether it stopped it.
	Stop() bool
}

// System is the real clock.
type System struct{}

// Now returns time.Now().
func (System) Now() time.Time { return time.Now() }

// NewTimer returns a time.Timer.
func (System) NewTimer(d time.Duration) Timer { return systemTimer{time.NewTimer(d)} }

// systemTimer is a time.Timer as a Timer.
type systemTimer struct{ t *time.Timer }

func (t systemTimer) C() <-chan time.Time { return t.t.C }
func (t systemTimer) Stop() bool          { return t.t.Stop() }

// Sleep waits for d on clock, returning false if done is closed first.
func Sleep(clock Clock, d time.Duration, done ...<-chan struct{}) bool {
	if d <= 0 {
		return true
	}
	t := clock.NewTimer(d)
	defer t.Stop()
	switch len(done) {
	case 1:
		select {
		case <-t.C():
			return true
		case <-done[0]:
			return false
		}
	case 2:
		select {
		case <-t.C():
			return true
		case <-done[0]:
			return false
		case <-done[1]:
			return false
		}
	}
	<-t.C()
	return true
}
