package scheduler

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/soracron/soracron/scheduler/clock"
)

// drain shuts down once the loop has stopped.
func (s *Scheduler) drain() error {
	s.mu.Lock()
	s.stopping = true
	close(s.stop)
	n := s.active
	var l launch
	s.staleEarlyLocked(s.clock.Now(), &l) // all: released
	s.mu.Unlock()
	l.start(s)
	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	if n > 0 {
		s.log.Info("shutting down: waiting for runs in progress", slog.Int(keyRunning, n),
			slog.Duration(keyTimeout, s.shutdown))
	}
	if !clock.Sleep(s.clock, s.shutdown, done) {
		s.log.Info("scheduler stopped")
		return nil
	}
	s.mu.Lock()
	n = s.active
	s.mu.Unlock()
	s.log.Warn("shutdown timeout reached: cancelling runs in progress", slog.Int(keyRunning, n))
	s.cancelRuns(errShutdown)
	// Cancelled runs stop within moments; this bound (in real time) only
	// guards against a runner that ignores its context.
	grace := time.NewTimer(cancelGrace)
	defer grace.Stop()
	select {
	case <-done:
		s.log.Info("scheduler stopped")
		return nil
	case <-grace.C:
	}
	s.mu.Lock()
	n = s.active
	s.mu.Unlock()
	return fmt.Errorf("scheduler: %d runs did not stop within %s of their cancellation", n, cancelGrace)
}
