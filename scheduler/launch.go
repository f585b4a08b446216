package scheduler

import "github.com/soracron/soracron/scheduler/clusterrun"

// launch is the work decided under s.mu, started once it is released (so
// that the goroutines started do not compete with the decisions).
type launch struct {
	chains  []*chain
	skips   []skipRecord
	claims  []tickClaim         // cluster mode: due ticks to claim (s.wg counts them)
	later   []tickClaim         // cluster mode: due ticks to take over if undecided after their delay (s.wg counts them)
	early   []*clusterrun.Early // cluster mode: next ticks to claim early
	release []*clusterrun.Early // cluster mode: early claims whose ticks were not dispatched
}

// start starts the chains and records the skips, in the background.
func (l *launch) start(s *Scheduler) {
	for _, c := range l.chains {
		go s.runChain(c)
	}
	if len(l.chains) > 0 {
		s.prewarm.Kick(len(l.chains)) // replace the sandboxes these runs take
	}
	for _, sk := range l.skips {
		go s.recordSkip(sk)
	}
	if len(l.claims) > 0 {
		go s.claimTicks(l.claims)
	}
	if len(l.later) > 0 {
		go s.takeOver(l.later)
	}
	if len(l.early) > 0 {
		s.wg.Add(1)
		go s.claimEarly(l.early)
	}
	for _, e := range l.release {
		s.wg.Add(1)
		go s.releaseEarly(e)
	}
}
