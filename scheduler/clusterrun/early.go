package clusterrun

import (
	"errors"
	"time"

	"github.com/soracron/soracron/jobs"
	"github.com/soracron/soracron/scheduler/cluster"
)

// EarlyLead is how long before its tick a job's next tick is claimed.
const EarlyLead = 500 * time.Millisecond

// EarlyRetry is how often a job that was busy when its early claim was
// due is looked at again.
const EarlyRetry = 50 * time.Millisecond

// EarlyTiming says whether to claim early, at now, the tick next of a job
// whose previous tick was prev: claim when it is time (EarlyLead before
// next, at most half the interval) and the job is not busy (a run in
// progress it would decide nothing against, or its previous tick not
// decided yet: claims go in the order of the ticks). Otherwise wait, when
// not 0, is when to look again: when it will be time, or EarlyRetry for a
// busy job whose tick is further away than that.
func EarlyTiming(prev, next, now time.Time, busy bool) (claim bool, wait time.Duration) {
	at := next.Add(-min(EarlyLead, next.Sub(prev)/2))
	if now.Before(at) {
		return false, at.Sub(now)
	}
	if busy {
		if next.Sub(now) > EarlyRetry {
			return false, EarlyRetry
		}
		return false, 0
	}
	return true, 0
}

// Early is the early claim of one tick: sent once, answered once (Settle),
// waited for by the tick's dispatch or its release.
type Early struct {
	Job  *jobs.Job
	Tick time.Time
	done chan struct{} // closed once claim and err are set
	// claim is the claim won (nil when err is set).
	claim *cluster.Claim
	err   error
}

// NewEarly is the early claim of j's tick, not sent yet.
func NewEarly(j *jobs.Job, tick time.Time) *Early {
	return &Early{Job: j, Tick: tick, done: make(chan struct{})}
}

// Request is the claim to send.
func (e *Early) Request() cluster.ClaimRequest { return EarlyRequest(e.Job, e.Tick) }

// Settle sets the answer to the claim; it is called once.
func (e *Early) Settle(cl *cluster.Claim, err error) {
	e.claim, e.err = cl, err
	close(e.done)
}

// Wait returns the answer, once there is one.
func (e *Early) Wait() (*cluster.Claim, error) {
	<-e.done
	return e.claim, e.err
}

// Decided reports whether the answer err to an early claim decided the
// tick (won, or taken by another replica); when not (a run was in progress,
// or etcd did not answer), the tick is claimed as usual.
func Decided(err error) bool {
	return err == nil || errors.Is(err, cluster.ErrTaken)
}

// Unused returns, once answered, the claim won early to release when its
// tick is not dispatched here (nil when there is none to release).
func (e *Early) Unused() *cluster.Claim {
	cl, err := e.Wait()
	if err != nil || cl.State != cluster.StateRunning {
		return nil
	}
	return cl
}

// Pending are the early claims sent whose ticks are not dispatched yet, at
// most one per job, by job name. The daemon holds its lock around every
// use.
type Pending map[string]*Early

// Add records e, the early claim of its job's next tick.
func (p Pending) Add(e *Early) { p[e.Job.Name] = e }

// Take returns the early claim of job's tick, if there is one, and forgets
// it.
func (p Pending) Take(job string, tick time.Time) *Early {
	e := p[job]
	if e == nil || !e.Tick.Equal(tick) {
		return nil
	}
	delete(p, job)
	return e
}

// Stale forgets and returns the early claims to release: those whose tick
// passed (at now) without being dispatched, those of the jobs gone
// (removed by a reload), or all of them when all (the daemon stops).
func (p Pending) Stale(now time.Time, all bool, gone func(job string) bool) []*Early {
	var out []*Early
	for name, e := range p {
		if all || !e.Tick.After(now) || gone(name) {
			delete(p, name)
			out = append(out, e)
		}
	}
	return out
}
