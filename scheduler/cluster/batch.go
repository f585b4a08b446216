package cluster

import (
	"context"
	"fmt"

	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// Batching: the ends of runs (Finish) are sent to etcd as transactions
// nested in a few shared ones. While a commit is in flight the next ones
// queue, and the next commit takes them all (up to claimBatch): a replica
// ending a thousand runs a second sends tens of requests, not a thousand,
// and an idle one waits for nobody.

// batchWorkers is how many batch commits may be in flight at once.
const batchWorkers = 4

type batchReq struct {
	op   clientv3.Op
	done chan batchRes // buffered
}

type batchRes struct {
	resp *pb.TxnResponse
	err  error
}

// batched commits the transaction (cmps, then, els) nested in a shared one.
func (c *Cluster) batched(ctx context.Context, cmps []clientv3.Cmp, then, els []clientv3.Op) (*pb.TxnResponse, error) {
	r := &batchReq{op: clientv3.OpTxn(cmps, then, els), done: make(chan batchRes, 1)}
	select {
	case c.batchQ <- r:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-c.ctx.Done():
		return nil, ErrClosed
	}
	select {
	case res := <-r.done:
		return res.resp, res.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// batchLoop commits the queued transactions until Close.
func (c *Cluster) batchLoop() {
	defer c.wg.Done()
	for {
		var batch []*batchReq
		select {
		case <-c.ctx.Done():
			return
		case r := <-c.batchQ:
			batch = append(batch, r)
		}
	more:
		for len(batch) < claimBatch {
			select {
			case r := <-c.batchQ:
				batch = append(batch, r)
			default:
				break more
			}
		}
		ops := make([]clientv3.Op, len(batch))
		for i, r := range batch {
			ops[i] = r.op
		}
		resp, err := c.txn(c.ctx, nil, ops, nil)
		for i, r := range batch {
			switch {
			case err != nil:
				r.done <- batchRes{err: err}
			case i >= len(resp.Responses):
				r.done <- batchRes{err: fmt.Errorf("cluster: batch: %d answers for %d requests", len(resp.Responses), len(batch))}
			default:
				r.done <- batchRes{resp: resp.Responses[i].GetResponseTxn()}
			}
		}
	}
}
