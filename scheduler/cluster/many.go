package cluster

import (
	"context"
	"fmt"
	"sync"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// ClaimResult is the result of one request of ClaimMany.
type ClaimResult struct {
	Claim *Claim
	Err   error
}

// claimBatch is how many claims ClaimMany sends in one transaction (etcd
// refuses more than 128 operations at one level by default).
const claimBatch = 64

// ClaimMany claims several scheduled runs, of different jobs, in few
// transactions (one per 64 claims, each claim a transaction nested in it,
// sent at once): each result is as Claim's for its request. A replica due
// to start a thousand ticks at once sends 16 requests to etcd instead of a
// thousand.
func (c *Cluster) ClaimMany(ctx context.Context, reqs []ClaimRequest) []ClaimResult {
	out := make([]ClaimResult, len(reqs))
	c.ClaimEach(ctx, reqs, func(i int, r ClaimResult) { out[i] = r })
	return out
}

// ClaimEach claims reqs as ClaimMany does, and calls each with the index
// of a request and its result as soon as the transaction of that request
// is answered (from several goroutines at once), so that the runs of the
// first answers start without waiting for the others. It returns after the
// last call.
//
// IfUndecided requests whose ticks are decided are answered first, without
// a write (see undecided). The claims of jobs whose previous run's end is
// being recorded by this replica are sent once it is (see awaitEnds),
// after the others.
func (c *Cluster) ClaimEach(ctx context.Context, reqs []ClaimRequest, each func(int, ClaimResult)) {
	var ready, later []int
	for _, i := range c.undecided(ctx, reqs, each) {
		switch {
		case !c.endInFlight(reqs[i]):
			ready = append(ready, i)
		case reqs[i].Early:
			each(i, ClaimResult{Err: ErrBusy}) // its end first; claimed when due
		default:
			later = append(later, i)
		}
	}
	var wg sync.WaitGroup
	c.claimChunks(ctx, reqs, ready, each, &wg)
	if len(later) > 0 {
		c.awaitEnds(ctx, reqs, later)
		c.claimChunks(ctx, reqs, later, each, &wg)
	}
	wg.Wait()
}

// claimChunks sends the claims reqs[idx] in chunks of claimBatch, at once.
func (c *Cluster) claimChunks(ctx context.Context, reqs []ClaimRequest, idx []int, each func(int, ClaimResult), wg *sync.WaitGroup) {
	for lo := 0; lo < len(idx); lo += claimBatch {
		chunk := idx[lo:min(lo+claimBatch, len(idx))]
		wg.Add(1)
		go func() { // the chunks are independent: one round trip for all
			defer wg.Done()
			c.claimChunk(ctx, reqs, chunk, each, false)
		}()
	}
}

// claimChunk claims reqs[idx] in one transaction.
func (c *Cluster) claimChunk(ctx context.Context, reqs []ClaimRequest, idx []int, each func(int, ClaimResult), retried bool) {
	t, err := c.liveTerm()
	if err != nil {
		for _, i := range idx {
			each(i, ClaimResult{Err: err})
		}
		return
	}
	plans := make([]claimPlan, 0, len(idx))
	ops := make([]clientv3.Op, 0, len(idx))
	sent := make([]int, 0, len(idx))
	for _, i := range idx {
		req := reqs[i]
		if req.Job == "" || req.Trigger != TriggerSchedule || req.Scheduled.IsZero() {
			each(i, ClaimResult{Err: fmt.Errorf("cluster: claim many: only scheduled claims (%q)", req.Job)})
			continue
		}
		p := c.plan(t, req)
		plans = append(plans, p)
		ops = append(ops, clientv3.OpTxn(p.cmps, p.then, p.els))
		sent = append(sent, i)
	}
	if len(sent) == 0 {
		return
	}
	resp, err := c.txn(ctx, nil, ops, nil)
	if err != nil {
		for _, i := range sent {
			each(i, ClaimResult{Err: fmt.Errorf("cluster: claim %s: %w", reqs[i].Job, err)})
		}
		return
	}
	var again []int // claims of jobs without last/JOB yet
	for n, i := range sent {
		sub := resp.Responses[n].GetResponseTxn()
		if !sub.Succeeded && len(sub.Responses[0].GetResponseRange().Kvs) == 0 {
			again = append(again, i)
			continue
		}
		cl, err, _ := c.settle(ctx, plans[n], sub.Succeeded, sub.Responses, resp.Header.Revision)
		each(i, ClaimResult{Claim: cl, Err: err})
	}
	if len(again) == 0 {
		return
	}
	if retried {
		for _, i := range again {
			each(i, ClaimResult{Err: ErrTaken})
		}
		return
	}
	// Create the missing last/JOB keys in one transaction, then claim those
	// ticks again (once).
	inits := make([]clientv3.Op, len(again))
	for n, i := range again {
		k := c.keys.last(reqs[i].Job)
		inits[n] = clientv3.OpTxn([]clientv3.Cmp{clientv3.Compare(clientv3.CreateRevision(k), "=", 0)},
			[]clientv3.Op{clientv3.OpPut(k, stamp(time.Unix(0, 0)))}, nil)
	}
	if _, err := c.txn(ctx, nil, inits, nil); err != nil {
		for _, i := range again {
			each(i, ClaimResult{Err: fmt.Errorf("cluster: claim %s: %w", reqs[i].Job, err)})
		}
		return
	}
	c.claimChunk(ctx, reqs, again, each, true)
}
