package cluster

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// Suspension. A job suspended through the API of any replica is suspended
// on every replica: the suspension is the key suspended/JOB, without a
// lease (it outlives the replicas and their restarts), and every replica
// follows the keys under suspended/ with WatchSuspensions.

// suspension is the value of suspended/JOB.
type suspension struct {
	Since time.Time `json:"since"`
	Node  string    `json:"node"` // the replica asked to suspend it
}

// Suspend suspends job in the cluster since at, and returns since when it
// is suspended: at, or the time of the suspension already in place (a
// suspended job stays suspended since its first suspension). It needs etcd,
// not a session.
func (c *Cluster) Suspend(ctx context.Context, job string, at time.Time) (time.Time, error) {
	k := c.keys.suspended(job)
	v, _ := json.Marshal(suspension{Since: at.UTC(), Node: c.node})
	resp, err := c.txn(ctx, []clientv3.Cmp{clientv3.Compare(clientv3.CreateRevision(k), "=", 0)},
		[]clientv3.Op{clientv3.OpPut(k, string(v))}, []clientv3.Op{clientv3.OpGet(k)})
	if err != nil {
		return time.Time{}, fmt.Errorf("cluster: suspend %s: %w", job, err)
	}
	if resp.Succeeded {
		return at, nil
	}
	if kvs := resp.Responses[0].GetResponseRange().Kvs; len(kvs) > 0 {
		var s suspension
		if json.Unmarshal(kvs[0].Value, &s) == nil && !s.Since.IsZero() {
			return s.Since, nil
		}
	}
	return at, nil
}

// Resume resumes job in the cluster (nothing when it is not suspended).
func (c *Cluster) Resume(ctx context.Context, job string) error {
	ctx, cancel := c.reqCtx(ctx)
	defer cancel()
	c.requests.Add(1)
	c.txns.Add(1)
	if _, err := c.client.Delete(ctx, c.keys.suspended(job)); err != nil {
		return fmt.Errorf("cluster: resume %s: %w", job, err)
	}
	return nil
}

// Suspensions returns the jobs suspended in the cluster and since when,
// and the etcd revision of the answer.
func (c *Cluster) Suspensions(ctx context.Context) (map[string]time.Time, int64, error) {
	resp, err := c.get(ctx, c.keys.suspendedPrefix(), clientv3.WithPrefix())
	if err != nil {
		return nil, 0, fmt.Errorf("cluster: suspended jobs: %w", err)
	}
	out := make(map[string]time.Time, len(resp.Kvs))
	for _, kv := range resp.Kvs {
		out[c.keys.jobOf(string(kv.Key), c.keys.suspendedPrefix())] = decodeSuspension(kv.Value)
	}
	return out, resp.Header.Revision, nil
}

// decodeSuspension reads the time of a suspension (the Unix epoch for a
// value it cannot read: the job is suspended all the same).
func decodeSuspension(v []byte) time.Time {
	var s suspension
	if json.Unmarshal(v, &s) != nil || s.Since.IsZero() {
		return time.Unix(0, 0).UTC()
	}
	return s.Since
}

// WatchSuspensions calls fn with the jobs suspended in the cluster (and
// since when), first as they are, then after every change, until ctx is
// done or the Cluster is closed. When etcd cannot be reached or the watch
// fails, it reads them again (with a backoff) and goes on. fn is called
// from one goroutine at a time, with a map of its own.
func (c *Cluster) WatchSuspensions(ctx context.Context, fn func(map[string]time.Time)) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(c.ctx, cancel)
	defer stop()
	backoff := 200 * time.Millisecond
	failing := false
	for ctx.Err() == nil {
		m, rev, err := c.Suspensions(ctx)
		if err != nil {
			if !failing && ctx.Err() == nil {
				c.log.Warn("cannot read the suspended jobs from etcd; retrying", slog.Any(keyError, err))
			}
			failing = true
			select {
			case <-ctx.Done():
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, 2*time.Second)
			continue
		}
		failing, backoff = false, 200*time.Millisecond
		fn(maps.Clone(m))
		c.followSuspensions(ctx, m, rev, fn)
	}
}

// followSuspensions applies the changes after rev to m until the watch
// ends.
func (c *Cluster) followSuspensions(ctx context.Context, m map[string]time.Time, rev int64, fn func(map[string]time.Time)) {
	wctx, cancel := context.WithCancel(clientv3.WithRequireLeader(ctx))
	defer cancel()
	p := c.keys.suspendedPrefix()
	for wr := range c.client.Watch(wctx, p, clientv3.WithPrefix(), clientv3.WithRev(rev+1)) {
		if wr.Err() != nil {
			return
		}
		for _, ev := range wr.Events {
			job := c.keys.jobOf(string(ev.Kv.Key), p)
			if ev.Type == clientv3.EventTypeDelete {
				delete(m, job)
			} else {
				m[job] = decodeSuspension(ev.Kv.Value)
			}
		}
		if len(wr.Events) > 0 {
			fn(maps.Clone(m))
		}
	}
}
