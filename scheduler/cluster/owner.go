package cluster

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// Preferred owners: every job has a ranking of the live replicas, the same
// on every replica, by rendezvous (highest random weight) hashing of the
// job's name with each member's node name. The first (rank 0) claims the
// job's ticks as soon as they are due; the others claim a tick only after
// a grace delay (rank × Grace) and only if it is still undecided then
// (ClaimRequest.IfUndecided). This only decides who tries when: the claim
// transaction alone decides who runs, so replicas that disagree on the
// members (a replica joining or leaving, a watch behind) cost a lost
// transaction or a grace delay, never a duplicate.
//
// The ranking is by job, not by (job, tick): the consecutive ticks of a job
// are claimed by the same replica, in order, after the end of its previous
// run was recorded (see Cluster.awaitEnds), and a replica that loses its
// owner takes its jobs over after the grace delay, before etcd has even
// expired the owner's lease.

// memberSet is the live replicas as seen by this replica (the members/
// keys, watched), always including itself.
type memberSet struct {
	mu    sync.Mutex
	nodes []string // sorted
}

func (m *memberSet) set(nodes []string) {
	slices.Sort(nodes)
	nodes = slices.Compact(nodes)
	m.mu.Lock()
	m.nodes = nodes
	m.mu.Unlock()
}

func (m *memberSet) add(node string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if i, ok := slices.BinarySearch(m.nodes, node); !ok {
		m.nodes = slices.Insert(slices.Clone(m.nodes), i, node)
	}
}

func (m *memberSet) remove(node string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if i, ok := slices.BinarySearch(m.nodes, node); ok {
		m.nodes = slices.Delete(slices.Clone(m.nodes), i, i+1)
	}
}

// snapshot returns the members; the slice is not modified afterwards.
func (m *memberSet) snapshot() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.nodes
}

// weight is the rendezvous weight of node for job: FNV-1a of both,
// finished with a 64-bit mixer so that close names spread.
func weight(node, job string) uint64 {
	const offset, prime = 14695981039346656037, 1099511628211
	h := uint64(offset)
	for i := 0; i < len(job); i++ {
		h = (h ^ uint64(job[i])) * prime
	}
	h = (h ^ 0xff) * prime // separator (a byte no name has in this position)
	for i := 0; i < len(node); i++ {
		h = (h ^ uint64(node[i])) * prime
	}
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}

// rank returns the rank of self for job among nodes (self included or
// not): how many nodes weigh more.
func rank(nodes []string, self, job string) int {
	w := weight(self, job)
	r := 0
	for _, n := range nodes {
		if n == self {
			continue
		}
		if nw := weight(n, job); nw > w || (nw == w && n < self) {
			r++
		}
	}
	return r
}

// Rank returns this replica's rank for job among the live replicas it
// knows: 0 when it is the job's preferred owner (claim its ticks at once),
// r > 0 when r replicas come before it (claim a tick only after r × Grace,
// with IfUndecided). Without a session it returns 0.
func (c *Cluster) Rank(job string) int {
	c.mu.Lock()
	t := c.term
	c.mu.Unlock()
	if t == nil {
		return 0
	}
	return rank(t.members.snapshot(), c.node, job)
}

// Grace is how long a replica of rank 1 waits before it takes over an
// undecided tick of a job whose preferred owner did not claim it (dead,
// stopped, cut from etcd, or slow): a fifth of the session TTL, between
// 400 ms and 1 s.
func (c *Cluster) Grace() time.Duration {
	return min(max(c.TTL()/5, 400*time.Millisecond), time.Second)
}

// undecided returns the indexes of reqs to claim: all but the IfUndecided
// ones whose tick is already decided (answered ErrTaken through each). The
// last ticks are read without a write: a range over last/ when many jobs
// are asked, else one read-only transaction of gets (per 128). If the read
// fails, every request is claimed (the claim decides anyway).
func (c *Cluster) undecided(ctx context.Context, reqs []ClaimRequest, each func(int, ClaimResult)) []int {
	var ask []int
	todo := make([]int, 0, len(reqs))
	for i, r := range reqs {
		if r.IfUndecided && r.Trigger == TriggerSchedule {
			ask = append(ask, i)
		} else {
			todo = append(todo, i)
		}
	}
	if len(ask) == 0 {
		return todo
	}
	last := map[string]string{}
	var err error
	if len(ask) > claimBatch {
		var resp *clientv3.GetResponse
		if resp, err = c.get(ctx, c.keys.prefix+"last/", clientv3.WithPrefix()); err == nil {
			for _, kv := range resp.Kvs {
				last[string(kv.Key)] = string(kv.Value)
			}
		}
	} else {
		ops := make([]clientv3.Op, 0, len(ask))
		for _, i := range ask {
			ops = append(ops, clientv3.OpGet(c.keys.last(reqs[i].Job)))
		}
		var resp *clientv3.TxnResponse
		if resp, err = c.txn(ctx, nil, ops, nil); err == nil {
			for _, r := range resp.Responses {
				for _, kv := range r.GetResponseRange().Kvs {
					last[string(kv.Key)] = string(kv.Value)
				}
			}
		}
	}
	if err != nil {
		c.log.Warn("cannot read the last ticks before a take-over; claiming them all", slog.Any(keyError, err))
		return append(todo, ask...)
	}
	for _, i := range ask {
		if v, ok := last[c.keys.last(reqs[i].Job)]; ok && v >= stamp(reqs[i].Scheduled) {
			each(i, ClaimResult{Err: ErrTaken})
			continue
		}
		todo = append(todo, i)
	}
	slices.Sort(todo)
	return todo
}
