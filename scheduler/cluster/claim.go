package cluster

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// Policy is a job's concurrency policy, applied across the cluster.
type Policy int

// Concurrency policies.
const (
	Forbid  Policy = iota // skip a tick while a run of the job is in progress anywhere
	Allow                 // runs may overlap
	Replace               // cancel the runs in progress (wherever they are) and start
)

// Triggers of a claim (Record.Trigger), as in the local history.
const (
	TriggerSchedule = "schedule"
	TriggerManual   = "manual"
	TriggerEvent    = "event" // claimed with ClaimEvent
)

// ClaimRequest says what to claim.
type ClaimRequest struct {
	Job string
	// Trigger is TriggerSchedule or TriggerManual (TriggerEvent: use
	// ClaimEvent, which derives the ID from the event).
	Trigger string
	// Scheduled is the tick of a scheduled claim; zero for a manual one.
	Scheduled time.Time
	// Policy is the job's concurrency policy.
	Policy Policy
	// Miss decides the tick without running it: it is recorded StateMissed
	// with Reason as its error.
	Miss   bool
	Reason string
	// IfUndecided (ClaimMany, scheduled claims): read the job's last tick
	// first and claim only if this tick is still undecided; a decided one
	// is ErrTaken without a write. For the take-over of a tick by a
	// replica that is not its preferred owner (see Rank).
	IfUndecided bool
	// Early (scheduled claims of a forbid or replace job): the tick is
	// claimed shortly before it is due, and only if no run of the job holds
	// its running key now; otherwise nothing is decided and the answer is
	// ErrBusy (claim it again when it is due). The run's start is its tick.
	Early bool

	id string // the run's ID when the caller derives it (ClaimEvent)
}

// Claim is a decision won by this replica: a run to start (State
// StateRunning), or a tick recorded skipped or missed.
type Claim struct {
	// Job and ID name the run (runs/JOB/ID).
	Job, ID string
	// State is StateRunning (run it), StateSkipped (forbid: running
	// elsewhere, see RunningOn) or StateMissed (ClaimRequest.Miss).
	State string
	// Prev is the previous tick decided for the job (scheduled claims; zero
	// when none): the ticks strictly between Prev and this one were decided
	// by nobody, and the winner records them missed.
	Prev time.Time
	// RunningOn is the node running the job when State is StateSkipped.
	RunningOn string
	// Record is the record as written.
	Record Record

	c      *Cluster
	term   *term
	rev    int64 // revision of the claim transaction
	ctx    context.Context
	cancel context.CancelCauseFunc
	preds  []string // running keys this replace claim waits for
	lost   string   // for a rerun: the ID of the lost run
}

// Context is cancelled when the session is lost (cause ErrSessionLost) or
// the run is replaced (ErrReplaced); use it as the run's parent context.
func (cl *Claim) Context() context.Context { return cl.ctx }

// HasPredecessors reports whether this replace claim has runs to wait for
// (WaitPredecessors).
func (cl *Claim) HasPredecessors() bool { return len(cl.preds) > 0 }

// Rev is the etcd revision of the claim.
func (cl *Claim) Rev() int64 { return cl.rev }

// runID makes the ID of a new run.
func (c *Cluster) runID(req ClaimRequest, now time.Time) string {
	if req.id != "" {
		return req.id
	}
	if !req.Scheduled.IsZero() {
		return stamp(req.Scheduled) + "-s"
	}
	return fmt.Sprintf("%s-m-%s-%d", stamp(now), c.node, c.seq.Add(1))
}

// Claim decides a run in one etcd transaction (see the package doc). It
// returns the claim won by this replica, or ErrTaken (another replica or
// an earlier claim decided this tick), ErrConflict (a manual claim of a
// forbid job running somewhere), or an error matching ErrNoSession (no
// valid session: start nothing), or an etcd error (decided nothing, as far
// as this replica knows: start nothing). A scheduled tick must be claimed
// in increasing order of its ticks: a tick older than the latest decided
// one is ErrTaken.
func (c *Cluster) Claim(ctx context.Context, req ClaimRequest) (*Claim, error) {
	if req.Job == "" || (req.Trigger != TriggerSchedule && req.Trigger != TriggerManual && req.Trigger != TriggerEvent) {
		return nil, fmt.Errorf("cluster: claim: need a job and a trigger (%q, %q)", req.Job, req.Trigger)
	}
	if req.Trigger == TriggerSchedule && req.Scheduled.IsZero() {
		return nil, fmt.Errorf("cluster: claim %s: a scheduled claim needs its tick", req.Job)
	}
	for attempt := 0; ; attempt++ {
		cl, err, retry := c.claimOnce(ctx, req)
		if !retry || attempt > 0 {
			return cl, err
		}
	}
}

func (c *Cluster) claimOnce(ctx context.Context, req ClaimRequest) (_ *Claim, _ error, retry bool) {
	t, err := c.liveTerm()
	if err != nil {
		return nil, err, false
	}
	p := c.plan(t, req)
	resp, err := c.txn(ctx, p.cmps, p.then, p.els)
	if err != nil {
		return nil, fmt.Errorf("cluster: claim %s: %w", req.Job, err), false
	}
	return c.settle(ctx, p, resp.Succeeded, resp.Responses, resp.Header.Revision)
}

// claimPlan is the transaction of one claim.
type claimPlan struct {
	req       ClaimRequest
	t         *term
	rec       Record
	scheduled bool
	cmps      []clientv3.Cmp
	then, els []clientv3.Op
}

// plan builds the transaction of req (see the package doc).
func (c *Cluster) plan(t *term, req ClaimRequest) claimPlan {
	now := time.Now().UTC()
	id := c.runID(req, now)
	rec := Record{Job: req.Job, ID: id, Scheduled: req.Scheduled.UTC(), Trigger: req.Trigger, Node: c.node,
		State: StateRunning, Start: now}
	if req.Early && now.Before(rec.Scheduled) {
		rec.Start = rec.Scheduled
	}
	if req.Scheduled.IsZero() {
		rec.Scheduled = time.Time{}
	}
	var run []clientv3.Op
	if req.Miss {
		rec.State, rec.End, rec.Error = StateMissed, now, req.Reason
		run = []clientv3.Op{clientv3.OpPut(c.keys.run(req.Job, id), rec.encode())}
	} else {
		run = c.runOps(t, req.Policy, rec, req.Trigger != TriggerManual)
	}
	p := claimPlan{req: req, t: t, rec: rec, scheduled: req.Trigger == TriggerSchedule}
	if p.scheduled {
		// last/JOB alone decides a scheduled tick: it only grows and is
		// never deleted, so a tick at or before it was decided (run,
		// skipped or missed), whatever became of its record.
		last := c.keys.last(req.Job)
		p.cmps = []clientv3.Cmp{clientv3.Compare(clientv3.Value(last), "<", stamp(req.Scheduled))}
		if req.Early && req.Policy != Allow {
			p.cmps = append(p.cmps, clientv3.Compare(clientv3.CreateRevision(c.keys.runningJob(req.Job)), "=", 0).WithPrefix())
		}
		p.then = append([]clientv3.Op{clientv3.OpPut(last, stamp(req.Scheduled), clientv3.WithPrevKV())}, run...)
		p.els = []clientv3.Op{clientv3.OpGet(last)}
	} else {
		// A manual run has a new ID, an event run the event's: its record
		// must not exist.
		p.cmps = []clientv3.Cmp{clientv3.Compare(clientv3.CreateRevision(c.keys.run(req.Job, id)), "=", 0)}
		p.then = run
	}
	return p
}

// settle reads the answer of a claim's transaction (committed at rev).
func (c *Cluster) settle(ctx context.Context, p claimPlan, succeeded bool, rs []*pb.ResponseOp, rev int64) (_ *Claim, _ error, retry bool) {
	req := p.req
	if !succeeded {
		if p.scheduled && len(rs[0].GetResponseRange().Kvs) == 0 {
			// last/JOB does not exist yet (a Value comparison with a
			// missing key fails): create it, then claim again.
			if err := c.initLast(ctx, req.Job); err != nil {
				return nil, err, false
			}
			return nil, ErrTaken, true
		}
		if req.Early && p.scheduled && string(rs[0].GetResponseRange().Kvs[0].Value) < stamp(req.Scheduled) {
			return nil, ErrBusy, false // undecided: a run of the job holds its running key
		}
		return nil, ErrTaken, false
	}
	cl := &Claim{Job: req.Job, ID: p.rec.ID, State: p.rec.State, Record: p.rec, c: c, term: p.t, rev: rev}
	if p.scheduled {
		if prev := rs[0].GetResponsePut().GetPrevKv(); prev != nil {
			cl.Prev = parseStamp(string(prev.Value))
		}
		rs = rs[1:]
	}
	if !req.Miss {
		c.parseRun(cl, req.Policy, rs)
	}
	switch {
	case cl.State == StateSkipped && req.Trigger == TriggerManual:
		return nil, fmt.Errorf("%w (running on %s)", ErrConflict, cl.RunningOn), false
	case cl.State != StateRunning:
		return cl, nil, false
	}
	cl.ctx, cl.cancel = context.WithCancelCause(p.t.ctx)
	c.mu.Lock()
	c.claims[c.keys.running(cl.Job, cl.ID)] = cl
	c.mu.Unlock()
	return cl, nil, false
}

// initLast creates last/JOB if it does not exist.
func (c *Cluster) initLast(ctx context.Context, job string) error {
	k := c.keys.last(job)
	_, err := c.txn(ctx, []clientv3.Cmp{clientv3.Compare(clientv3.CreateRevision(k), "=", 0)},
		[]clientv3.Op{clientv3.OpPut(k, stamp(time.Unix(0, 0)))}, nil)
	if err != nil {
		return fmt.Errorf("cluster: claim %s: %w", job, err)
	}
	return nil
}

// runOps are the operations that start a run of rec under policy, bound to
// t's lease. record says whether a forbid conflict is recorded skipped (a
// scheduled tick, an event) or only refused (a manual run).
func (c *Cluster) runOps(t *term, policy Policy, rec Record, record bool) []clientv3.Op {
	recKey := c.keys.run(rec.Job, rec.ID)
	rk := c.keys.running(rec.Job, rec.ID)
	start := []clientv3.Op{
		clientv3.OpPut(recKey, rec.encode()),
		clientv3.OpPut(rk, c.holderValue(rec.Start), clientv3.WithLease(t.lease)),
		clientv3.OpPut(c.keys.active(rec.Job, rec.ID), c.node),
	}
	runningJob := c.keys.runningJob(rec.Job)
	switch policy {
	case Allow:
		return start
	case Replace:
		return append([]clientv3.Op{clientv3.OpGet(runningJob, clientv3.WithPrefix())},
			append(start, clientv3.OpPut(c.keys.cancel(rec.Job), rec.ID, clientv3.WithLease(t.lease)))...)
	default: // Forbid
		var els []clientv3.Op
		if record {
			skipped := rec
			skipped.State, skipped.End = StateSkipped, rec.Start
			els = append(els, clientv3.OpPut(recKey, skipped.encode()))
		}
		els = append(els, clientv3.OpGet(runningJob, clientv3.WithPrefix(), clientv3.WithLimit(1)))
		return []clientv3.Op{clientv3.OpTxn(
			[]clientv3.Cmp{clientv3.Compare(clientv3.CreateRevision(runningJob), "=", 0).WithPrefix()},
			start, els)}
	}
}

// parseRun reads the answers of runOps into cl.
func (c *Cluster) parseRun(cl *Claim, policy Policy, rs []*pb.ResponseOp) {
	switch policy {
	case Allow:
	case Replace:
		for _, kv := range rs[0].GetResponseRange().Kvs {
			cl.preds = append(cl.preds, string(kv.Key))
		}
	default:
		sub := rs[0].GetResponseTxn()
		if sub.Succeeded {
			return
		}
		cl.State = StateSkipped
		cl.Record.State, cl.Record.End = StateSkipped, cl.Record.Start
		rr := sub.Responses[len(sub.Responses)-1].GetResponseRange()
		if len(rr.Kvs) > 0 {
			var h holder
			_ = json.Unmarshal(rr.Kvs[0].Value, &h)
			cl.RunningOn = h.Node
		}
	}
}

// holder is the value of running/JOB/ID.
type holder struct {
	Node  string    `json:"node"`
	Start time.Time `json:"start"`
}

// holderValue is the JSON of holder{c.node, start}, without reflection
// (one per claim).
func (c *Cluster) holderValue(start time.Time) string {
	b := make([]byte, 0, len(c.nodeJSON)+56)
	b = append(b, `{"node":`...)
	b = append(b, c.nodeJSON...)
	b = append(b, `,"start":"`...)
	b = start.AppendFormat(b, time.RFC3339Nano)
	b = append(b, `"}`...)
	return string(b)
}

// WaitPredecessors waits until the runs this replace claim cancelled have
// ended (their running keys are gone: they stopped, or their replica's
// lease expired), or ctx is done.
func (cl *Claim) WaitPredecessors(ctx context.Context) error {
	for len(cl.preds) > 0 {
		resp, err := cl.c.get(ctx, cl.c.keys.runningJob(cl.Job), clientv3.WithPrefix(), clientv3.WithKeysOnly())
		if err != nil {
			return fmt.Errorf("cluster: wait for the replaced runs of %s: %w", cl.Job, err)
		}
		live := map[string]bool{}
		for _, kv := range resp.Kvs {
			live[string(kv.Key)] = true
		}
		preds := cl.preds[:0]
		for _, k := range cl.preds {
			if live[k] {
				preds = append(preds, k)
			}
		}
		cl.preds = preds
		if len(preds) == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return nil
}

// Outcome is how a claimed run ended, for Finish.
type Outcome struct {
	// State is the final state: an outcome of the local history ("ok",
	// "failed", "timeout", "cancelled", ...).
	State  string
	End    time.Time // zero: now
	Error  string
	Calls  int
	Writes int
	// RunID is the id of the run in the history of this node (its logs).
	RunID int64
}

// Finish records the end of a running claim and releases it. If the
// session of the claim was lost, Finish records nothing (the run's running
// key vanished with the lease, and a replica records it interrupted) and
// returns an error matching ErrSessionLost.
func (cl *Claim) Finish(ctx context.Context, o Outcome) error {
	c := cl.c
	rk := c.keys.running(cl.Job, cl.ID)
	defer func() {
		c.mu.Lock()
		delete(c.claims, rk)
		c.mu.Unlock()
		if cl.cancel != nil {
			cl.cancel(nil)
		}
	}()
	if cl.State != StateRunning {
		return nil
	}
	if !cl.term.alive() {
		return fmt.Errorf("cluster: finish %s/%s: %w", cl.Job, cl.ID, ErrSessionLost)
	}
	rec := cl.Record
	rec.State, rec.End, rec.Error, rec.Calls, rec.Writes, rec.RunID = o.State, o.End, o.Error, o.Calls, o.Writes, o.RunID
	if rec.End.IsZero() {
		rec.End = time.Now().UTC()
	}
	recKey := c.keys.run(cl.Job, cl.ID)
	defer c.ending(cl.Job)()
	resp, err := c.batched(ctx,
		[]clientv3.Cmp{
			clientv3.Compare(clientv3.ModRevision(recKey), "=", cl.rev),
			clientv3.Compare(clientv3.LeaseValue(rk), "=", cl.term.lease),
		},
		[]clientv3.Op{clientv3.OpPut(recKey, rec.encode()), clientv3.OpDelete(rk), clientv3.OpDelete(c.keys.active(cl.Job, cl.ID))},
		nil)
	if err != nil {
		return fmt.Errorf("cluster: finish %s/%s: %w", cl.Job, cl.ID, err)
	}
	if !resp.Succeeded {
		return fmt.Errorf("cluster: finish %s/%s: %w (the claim is no longer held)", cl.Job, cl.ID, ErrSessionLost)
	}
	cl.Record = rec
	c.maybePrune(ctx, cl.Job)
	return nil
}

// maybePrune bounds the records of job to RecordKeep, every RecordKeep/2
// finishes of this replica (so a job has at most 1.5 RecordKeep records).
func (c *Cluster) maybePrune(ctx context.Context, job string) {
	c.mu.Lock()
	c.pruneAt[job]--
	due := c.pruneAt[job] <= 0
	if due {
		c.pruneAt[job] = max(1, c.opts.RecordKeep/2)
	}
	c.mu.Unlock()
	if !due {
		return
	}
	if err := c.prune(ctx, job); err != nil {
		c.log.Warn("cannot prune run records", slog.String(keyJob, job), slog.Any(keyError, err))
	}
}

// prune deletes the records of job older than the RecordKeep newest.
func (c *Cluster) prune(ctx context.Context, job string) error {
	p := c.keys.runPrefix(job)
	resp, err := c.get(ctx, p, clientv3.WithPrefix(), clientv3.WithKeysOnly(),
		clientv3.WithSort(clientv3.SortByKey, clientv3.SortDescend), clientv3.WithLimit(int64(c.opts.RecordKeep+1)))
	if err != nil {
		return err
	}
	if len(resp.Kvs) <= c.opts.RecordKeep {
		return nil
	}
	oldestKept := string(resp.Kvs[c.opts.RecordKeep-1].Key)
	ctx, cancel := c.reqCtx(ctx)
	defer cancel()
	c.requests.Add(1)
	c.txns.Add(1)
	_, err = c.client.Delete(ctx, p, clientv3.WithRange(oldestKept))
	return err
}
