package cluster

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// Lost is a run lost by its replica (its lease vanished while it ran),
// recorded interrupted by this replica.
type Lost struct {
	// Record is the lost run's record, now StateInterrupted.
	Record Record
	// Rerun is the claim of its rerun (on_lost: rerun) won by this
	// replica: run it (State StateRunning) or note its skip (StateSkipped).
	// nil when the run is not rerun.
	Rerun *Claim
}

// sweep finds the lost runs and recovers them (see the package doc).
func (c *Cluster) sweep(t *term) error {
	resp, err := c.txn(t.ctx, nil, []clientv3.Op{
		clientv3.OpGet(c.keys.activePrefix(), clientv3.WithPrefix()),
		clientv3.OpGet(c.keys.runningPrefix(), clientv3.WithPrefix(), clientv3.WithKeysOnly()),
	}, nil)
	if err != nil {
		return err
	}
	running := map[string]bool{}
	for _, kv := range resp.Responses[1].GetResponseRange().Kvs {
		running[string(kv.Key)] = true
	}
	for _, kv := range resp.Responses[0].GetResponseRange().Kvs {
		job, id, ok := c.keys.splitJobID(string(kv.Key), c.keys.activePrefix())
		if !ok || running[c.keys.running(job, id)] {
			continue
		}
		if err := c.recover(t, job, id, kv.ModRevision); err != nil {
			return fmt.Errorf("recover %s/%s: %w", job, id, err)
		}
	}
	return nil
}

// recover records the lost run job/id interrupted, and claims its rerun
// if the job's on_lost says so, in one transaction that only one replica
// wins.
func (c *Cluster) recover(t *term, job, id string, activeRev int64) error {
	recKey := c.keys.run(job, id)
	g, err := c.get(t.ctx, recKey)
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	var rec Record
	var recRev int64
	if len(g.Kvs) > 0 {
		recRev = g.Kvs[0].ModRevision
		if rec, err = decodeRecord(g.Kvs[0].Value); err != nil {
			return err
		}
	} else {
		rec = Record{Job: job, ID: id, Trigger: TriggerSchedule, Start: now}
	}
	rec.State, rec.End = StateInterrupted, now
	rec.Error = fmt.Sprintf("interrupted: replica %s lost its etcd session while the run was running", rec.Node)
	cmps := []clientv3.Cmp{
		clientv3.Compare(clientv3.ModRevision(c.keys.active(job, id)), "=", activeRev),
		clientv3.Compare(clientv3.CreateRevision(c.keys.running(job, id)), "=", 0),
		clientv3.Compare(clientv3.ModRevision(recKey), "=", recRev),
	}
	then := []clientv3.Op{clientv3.OpDelete(c.keys.active(job, id))}
	if recRev != 0 {
		then = append(then, clientv3.OpPut(recKey, rec.encode()))
	}
	fixed := len(then)
	rerun, policy, known := false, Forbid, false
	if c.opts.LostPolicy != nil {
		rerun, policy, known = c.opts.LostPolicy(job)
	}
	if rec.Trigger == TriggerEvent {
		// The event's body lived only on the replica that lost it: there
		// is nothing to rerun it with.
		rerun = false
	}
	var rr Record
	if rerun && known {
		rr = Record{Job: job, ID: id + "-r", Scheduled: rec.Scheduled, Trigger: rec.Trigger, Node: c.node,
			State: StateRunning, Start: now, Rerun: id}
		cmps = append(cmps, clientv3.Compare(clientv3.CreateRevision(c.keys.run(job, rr.ID)), "=", 0))
		then = append(then, c.runOps(t, policy, rr, true)...)
	}
	resp, err := c.txn(t.ctx, cmps, then, nil)
	if err != nil {
		return err
	}
	if !resp.Succeeded {
		return nil // another replica recovered it, or it was not lost
	}
	lost := Lost{Record: rec}
	c.log.Warn("a run was lost with its replica's session: recorded interrupted",
		slog.String(keyJob, job), slog.String(keyRun, id), slog.String(keyLost, rec.Node), slog.Bool("rerun", rerun && known))
	if rerun && known {
		cl := &Claim{Job: job, ID: rr.ID, State: StateRunning, Record: rr, c: c, term: t, rev: resp.Header.Revision, lost: id}
		c.parseRun(cl, policy, resp.Responses[fixed:])
		if cl.State == StateRunning {
			cl.ctx, cl.cancel = context.WithCancelCause(t.ctx)
			c.mu.Lock()
			c.claims[c.keys.running(job, cl.ID)] = cl
			c.mu.Unlock()
		}
		lost.Rerun = cl
	}
	if c.opts.OnLost != nil {
		go c.opts.OnLost(lost)
	}
	return nil
}
