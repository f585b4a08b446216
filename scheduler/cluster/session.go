package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/client/v3/concurrency"
)

// term is one session of this replica: its lease, and a context
// cancelled (with ErrSessionLost) when the session is lost.
type term struct {
	sess   *concurrency.Session
	lease  clientv3.LeaseID
	ctx    context.Context
	cancel context.CancelCauseFunc
	// valid is the local (monotonic) time until which the lease is known to
	// be alive: the last keep-alive answer plus its TTL, minus a margin.
	valid atomic.Pointer[time.Time]
	since time.Time
	// members are the live replicas (watched from members/).
	members memberSet
}

// alive reports whether the term is valid now.
func (t *term) alive() bool {
	if t.ctx.Err() != nil {
		return false
	}
	v := t.valid.Load()
	return v != nil && time.Now().Before(*v)
}

// liveTerm returns the current term if it is valid.
func (c *Cluster) liveTerm() (*term, error) {
	c.mu.Lock()
	t, health, closed := c.term, c.health, c.closed
	c.mu.Unlock()
	switch {
	case closed:
		return nil, fmt.Errorf("%w: %w", ErrNoSession, ErrClosed)
	case t == nil:
		return nil, health
	case !t.alive():
		return nil, fmt.Errorf("%w: the session lease (TTL %s) was not renewed in time", ErrNoSession, c.TTL())
	}
	return t, nil
}

// member is the value of members/NODE.
type member struct {
	Node  string    `json:"node"`
	Since time.Time `json:"since"`
}

// sessionLoop keeps a session until Close, starting a new one whenever
// the current one is lost.
func (c *Cluster) sessionLoop() {
	defer c.wg.Done()
	backoff := 200 * time.Millisecond
	for c.ctx.Err() == nil {
		t, err := c.startTerm()
		if err != nil {
			c.setHealth(nil, fmt.Errorf("%w: %w", ErrNoSession, err))
			select {
			case <-c.ctx.Done():
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, 2*time.Second)
			continue
		}
		backoff = 200 * time.Millisecond
		c.log.Info("etcd session started", slog.Duration(keyTTL, c.TTL()))
		c.setHealth(t, nil)
		c.runTerm(t)
		cause := context.Cause(t.ctx)
		c.setHealth(nil, fmt.Errorf("%w: %w", ErrNoSession, cause))
		if c.ctx.Err() == nil {
			c.log.Error("etcd session lost: runs in progress are cancelled, no run starts until a new session",
				slog.Any(keyError, cause))
		}
		// Best effort: revoke the lease (if etcd is there) so that its
		// keys vanish now rather than at expiry.
		if !c.dead.Load() {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			_, _ = c.client.Revoke(ctx, t.lease)
			cancel()
		}
		t.sess.Orphan()
	}
}

// setHealth installs t (or none, with the reason) and tells OnSession.
func (c *Cluster) setHealth(t *term, reason error) {
	c.mu.Lock()
	changed := (c.term == nil) != (t == nil) || (t == nil && c.health != nil && reason != nil && c.health.Error() != reason.Error())
	c.term, c.health = t, reason
	c.mu.Unlock()
	if changed && c.opts.OnSession != nil {
		c.opts.OnSession(reason)
	}
}

// startTerm grants a lease, starts its keep-alive and registers the member.
func (c *Cluster) startTerm() (*term, error) {
	ctx, cancel := c.reqCtx(c.ctx)
	defer cancel()
	grant, err := c.client.Grant(ctx, c.ttl)
	c.requests.Add(1)
	c.txns.Add(1)
	if err != nil {
		return nil, fmt.Errorf("grant lease: %w", err)
	}
	sess, err := concurrency.NewSession(c.client, concurrency.WithLease(grant.ID), concurrency.WithContext(c.ctx))
	if err != nil {
		return nil, fmt.Errorf("session: %w", err)
	}
	tctx, tcancel := context.WithCancelCause(c.ctx)
	t := &term{sess: sess, lease: grant.ID, ctx: tctx, cancel: tcancel, since: time.Now()}
	valid := time.Now().Add(time.Duration(grant.TTL)*time.Second - c.margin())
	t.valid.Store(&valid)
	fail := func(err error) (*term, error) {
		tcancel(err)
		rctx, rcancel := context.WithTimeout(context.Background(), time.Second)
		_, _ = c.client.Revoke(rctx, grant.ID)
		rcancel()
		sess.Orphan()
		return nil, err
	}
	m, _ := json.Marshal(member{Node: c.node, Since: time.Now().UTC()})
	mk := c.keys.member(c.node)
	resp, err := c.txn(ctx, []clientv3.Cmp{clientv3.Compare(clientv3.CreateRevision(mk), "=", 0)},
		[]clientv3.Op{clientv3.OpPut(mk, string(m), clientv3.WithLease(grant.ID))}, nil)
	if err != nil {
		return fail(fmt.Errorf("register member: %w", err))
	}
	if !resp.Succeeded {
		return fail(fmt.Errorf("node name %q is in use by another live replica (or by this one before a restart, until its TTL)", c.node))
	}
	return t, nil
}

// margin is subtracted from the lease TTL in the local validity: the
// keep-alive answer left the server a moment before it arrived.
func (c *Cluster) margin() time.Duration {
	return min(c.TTL()/5, time.Second)
}

// runTerm watches t until it is lost or the Cluster is closed: it renews
// the local validity from keep-alive answers, cancels the term when the
// validity passes, applies cancel keys and sweeps lost runs.
func (c *Cluster) runTerm(t *term) {
	defer t.cancel(ErrSessionLost)
	ka, err := c.client.KeepAlive(t.ctx, t.lease)
	if err != nil {
		t.cancel(fmt.Errorf("%w: keep-alive: %w", ErrSessionLost, err))
		return
	}
	go func() {
		for r := range ka {
			if r.TTL <= 0 {
				continue
			}
			v := time.Now().Add(time.Duration(r.TTL)*time.Second - c.margin())
			t.valid.Store(&v)
		}
	}()
	wctx := clientv3.WithRequireLeader(t.ctx)
	cancels := c.client.Watch(wctx, c.keys.cancelPrefix(), clientv3.WithPrefix())
	mopts := []clientv3.OpOption{clientv3.WithPrefix()}
	t.members.set([]string{c.node})
	if resp, err := c.get(t.ctx, c.keys.memberPrefix(), clientv3.WithPrefix(), clientv3.WithKeysOnly()); err == nil {
		nodes := []string{c.node}
		for _, kv := range resp.Kvs {
			nodes = append(nodes, c.keys.jobOf(string(kv.Key), c.keys.memberPrefix()))
		}
		t.members.set(nodes)
		mopts = append(mopts, clientv3.WithRev(resp.Header.Revision+1))
	} else {
		c.log.Warn("cannot list the members: every job is claimed here at once until the watch reports them",
			slog.Any(keyError, err))
	}
	members := c.client.Watch(wctx, c.keys.memberPrefix(), mopts...)
	sweep := make(chan struct{}, 1)
	kick := func() {
		select {
		case sweep <- struct{}{}:
		default:
		}
	}
	go c.sweepLoop(t, sweep)
	kick()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-c.ctx.Done():
			t.cancel(fmt.Errorf("%w: %w", ErrSessionLost, ErrClosed))
			return
		case <-t.sess.Done():
			t.cancel(fmt.Errorf("%w: the keep-alive of the lease stopped (etcd unreachable or lease expired)", ErrSessionLost))
			return
		case <-tick.C:
			if !t.alive() {
				t.cancel(fmt.Errorf("%w: the lease (TTL %s) was not renewed in time", ErrSessionLost, c.TTL()))
				return
			}
		case wr, ok := <-cancels:
			if !ok || wr.Err() != nil {
				t.cancel(fmt.Errorf("%w: watch: %w", ErrSessionLost, errors.Join(wr.Err(), errWatchClosed(ok))))
				return
			}
			for _, ev := range wr.Events {
				if ev.Type == clientv3.EventTypePut {
					c.applyCancel(c.keys.jobOf(string(ev.Kv.Key), c.keys.cancelPrefix()), ev.Kv.ModRevision)
				}
			}
		case wr, ok := <-members:
			if !ok || wr.Err() != nil {
				t.cancel(fmt.Errorf("%w: watch: %w", ErrSessionLost, errors.Join(wr.Err(), errWatchClosed(ok))))
				return
			}
			for _, ev := range wr.Events {
				node := c.keys.jobOf(string(ev.Kv.Key), c.keys.memberPrefix())
				switch {
				case ev.Type == clientv3.EventTypePut:
					t.members.add(node)
				case node != c.node:
					t.members.remove(node)
					kick()
				default:
					kick()
				}
			}
		}
	}
}

func errWatchClosed(ok bool) error {
	if ok {
		return nil
	}
	return errors.New("closed")
}

// sweepLoop sweeps lost runs when kicked and every TTL while t lives.
func (c *Cluster) sweepLoop(t *term, kick <-chan struct{}) {
	tick := time.NewTicker(c.TTL())
	defer tick.Stop()
	for {
		select {
		case <-t.ctx.Done():
			return
		case <-kick:
		case <-tick.C:
		}
		if err := c.sweep(t); err != nil && t.ctx.Err() == nil {
			c.log.Warn("cannot sweep lost runs", slog.Any(keyError, err))
		}
	}
}

// applyCancel cancels this replica's runs of job claimed before rev.
func (c *Cluster) applyCancel(job string, rev int64) {
	c.mu.Lock()
	var victims []*Claim
	for _, cl := range c.claims {
		if cl.Job == job && cl.rev < rev {
			victims = append(victims, cl)
		}
	}
	c.mu.Unlock()
	for _, cl := range victims {
		c.log.Info("cancelling a run replaced by a newer claim (concurrency_policy: replace)",
			slog.String(keyJob, job), slog.String(keyRun, cl.ID))
		cl.cancel(ErrReplaced)
	}
}
