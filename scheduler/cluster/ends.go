package cluster

import (
	"context"
	"time"
)

// The end of a run is recorded before the next claim of its job: a
// scheduled claim of a job waits (briefly) for the Finish of the job's
// previous run on this replica while that Finish is in flight. Without
// it, a run that ended just before the next tick would still hold its
// running key when the claim of that tick is decided, and a forbid job
// would skip the tick. With preferred owners (see Rank) the ticks of a job
// follow each other on the same replica, so this ordering is local.

// maxEndWait bounds the wait of a claim for the ends in flight.
const maxEndWait = 500 * time.Millisecond

// ending is the Finishes in flight of one job.
type ending struct {
	n    int
	done chan struct{} // closed when n drops to 0
}

// ending registers a Finish of job in flight; call the returned function
// when it is recorded (or failed).
func (c *Cluster) ending(job string) func() {
	c.mu.Lock()
	e := c.ends[job]
	if e == nil {
		e = &ending{done: make(chan struct{})}
		c.ends[job] = e
	}
	e.n++
	c.mu.Unlock()
	return func() {
		c.mu.Lock()
		e.n--
		if e.n == 0 {
			delete(c.ends, job)
			close(e.done)
		}
		c.mu.Unlock()
	}
}

// endInFlight reports whether req is a scheduled claim (of a job whose
// runs may not overlap) that must wait for the end of the job's previous
// run, being recorded by this replica.
func (c *Cluster) endInFlight(req ClaimRequest) bool {
	if req.Trigger != TriggerSchedule || req.Policy == Allow {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ends[req.Job] != nil
}

// awaitEnds waits until the Finishes in flight of the jobs of reqs[idx]
// are recorded, at most maxEndWait.
func (c *Cluster) awaitEnds(ctx context.Context, reqs []ClaimRequest, idx []int) {
	var waits []<-chan struct{}
	c.mu.Lock()
	for _, i := range idx {
		if e := c.ends[reqs[i].Job]; e != nil {
			waits = append(waits, e.done)
		}
	}
	c.mu.Unlock()
	if len(waits) == 0 {
		return
	}
	t := time.NewTimer(maxEndWait)
	defer t.Stop()
	for _, w := range waits {
		select {
		case <-w:
		case <-t.C:
			return
		case <-ctx.Done():
			return
		}
	}
}
