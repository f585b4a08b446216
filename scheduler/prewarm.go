package scheduler

import (
	"time"

	"github.com/soracron/soracron/scheduler/burst"
)

// Prewarmer is implemented by runners that can build the sandboxes of runs
// ahead of time (*engine.Engine); see package burst.
type Prewarmer = burst.Prewarmer

// prewarmAhead is how long before their runs the sandboxes are built.
const prewarmAhead = burst.Ahead

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
