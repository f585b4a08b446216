package cluster

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// States of a record besides the final outcomes of the local history
// ("ok", "failed", "timeout", "cancelled").
const (
	StateRunning     = "running"     // claimed and started
	StateSkipped     = "skipped"     // forbid: a run of the job was in progress in the cluster
	StateMissed      = "missed"      // not run: nobody could start it in time (starting_deadline, catch_up)
	StateInterrupted = "interrupted" // its replica lost its session mid-run
)

// Record is the compact record of a run in etcd (runs/JOB/ID). Its full
// logs stay in the history of Node, under RunID.
type Record struct {
	Job       string    `json:"job"`
	ID        string    `json:"id"`
	Scheduled time.Time `json:"scheduled,omitzero"`
	Trigger   string    `json:"trigger"`
	Node      string    `json:"node"`
	RunID     int64     `json:"run_id,omitempty"`
	State     string    `json:"state"`
	Start     time.Time `json:"start"`
	End       time.Time `json:"end,omitzero"`
	Error     string    `json:"error,omitempty"`
	Calls     int       `json:"calls,omitempty"`
	Writes    int       `json:"writes,omitempty"`
	// Rerun is the ID of the lost run this one reruns (on_lost: rerun).
	Rerun string `json:"rerun,omitempty"`
}

func (r Record) encode() string {
	b, _ := json.Marshal(r)
	return string(b)
}

func decodeRecord(b []byte) (Record, error) {
	var r Record
	err := json.Unmarshal(b, &r)
	return r, err
}

// Runs returns the records of the cluster's runs (of job, or of every job
// when job is ""), newest claim first, at most limit (all when limit <= 0).
func (c *Cluster) Runs(ctx context.Context, job string, limit int) ([]Record, error) {
	p := c.keys.allRuns()
	if job != "" {
		p = c.keys.runPrefix(job)
	}
	opts := []clientv3.OpOption{clientv3.WithPrefix(), clientv3.WithSort(clientv3.SortByCreateRevision, clientv3.SortDescend)}
	if limit > 0 {
		opts = append(opts, clientv3.WithLimit(int64(limit)))
	}
	resp, err := c.get(ctx, p, opts...)
	if err != nil {
		return nil, fmt.Errorf("cluster: runs: %w", err)
	}
	out := make([]Record, 0, len(resp.Kvs))
	for _, kv := range resp.Kvs {
		r, err := decodeRecord(kv.Value)
		if err != nil {
			return nil, fmt.Errorf("cluster: runs: record %s: %w", kv.Key, err)
		}
		out = append(out, r)
	}
	return out, nil
}

// Member is a live replica.
type Member struct {
	Node  string    `json:"node"`
	Since time.Time `json:"since"`
	// Self marks this replica.
	Self bool `json:"self,omitempty"`
	// Running are its runs in progress.
	Running []Running `json:"running"`
}

// Running is a run in progress.
type Running struct {
	Job   string    `json:"job"`
	ID    string    `json:"id"`
	Start time.Time `json:"start"`
}

// Members returns the live replicas (those whose session is alive) and
// their runs in progress, by node name.
func (c *Cluster) Members(ctx context.Context) ([]Member, error) {
	resp, err := c.txn(ctx, nil, []clientv3.Op{
		clientv3.OpGet(c.keys.memberPrefix(), clientv3.WithPrefix()),
		clientv3.OpGet(c.keys.runningPrefix(), clientv3.WithPrefix()),
	}, nil)
	if err != nil {
		return nil, fmt.Errorf("cluster: members: %w", err)
	}
	byNode := map[string]*Member{}
	var out []*Member
	for _, kv := range resp.Responses[0].GetResponseRange().Kvs {
		var m member
		if err := json.Unmarshal(kv.Value, &m); err != nil {
			continue
		}
		mm := &Member{Node: m.Node, Since: m.Since, Self: m.Node == c.node, Running: []Running{}}
		byNode[m.Node] = mm
		out = append(out, mm)
	}
	for _, kv := range resp.Responses[1].GetResponseRange().Kvs {
		var h holder
		if err := json.Unmarshal(kv.Value, &h); err != nil {
			continue
		}
		job, id, _ := c.keys.splitJobID(string(kv.Key), c.keys.runningPrefix())
		if m := byNode[h.Node]; m != nil {
			m.Running = append(m.Running, Running{Job: job, ID: id, Start: h.Start})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Node < out[j].Node })
	res := make([]Member, len(out))
	for i, m := range out {
		res[i] = *m
	}
	return res, nil
}

// RunningOn returns the nodes running job now (empty when none).
func (c *Cluster) RunningOn(ctx context.Context, job string) ([]string, error) {
	resp, err := c.get(ctx, c.keys.runningJob(job), clientv3.WithPrefix())
	if err != nil {
		return nil, fmt.Errorf("cluster: running %s: %w", job, err)
	}
	var nodes []string
	for _, kv := range resp.Kvs {
		var h holder
		if json.Unmarshal(kv.Value, &h) == nil {
			nodes = append(nodes, h.Node)
		}
	}
	return nodes, nil
}

// Last returns the latest scheduled time decided for each job (last/JOB):
// a replica that starts catches up from there.
func (c *Cluster) Last(ctx context.Context) (map[string]time.Time, error) {
	resp, err := c.get(ctx, c.keys.prefix+"last/", clientv3.WithPrefix())
	if err != nil {
		return nil, fmt.Errorf("cluster: last ticks: %w", err)
	}
	out := make(map[string]time.Time, len(resp.Kvs))
	for _, kv := range resp.Kvs {
		if t := parseStamp(string(kv.Value)); !t.IsZero() {
			out[c.keys.jobOf(string(kv.Key), c.keys.prefix+"last/")] = t
		}
	}
	return out, nil
}

// RecordMissed records ticks of job as missed (StateMissed, with reason),
// in one transaction: the winner of a claim records so the ticks before it
// that nobody decided (see Claim.Prev). When total is more than
// len(ticks), one more record counts the older ones.
func (c *Cluster) RecordMissed(ctx context.Context, job string, ticks []time.Time, total int, reason string) error {
	if len(ticks) == 0 {
		return nil
	}
	now := time.Now().UTC()
	var ops []clientv3.Op
	if extra := total - len(ticks); extra > 0 {
		id := fmt.Sprintf("%s-s-missed", stamp(ticks[0].Add(-time.Nanosecond)))
		r := Record{Job: job, ID: id, Trigger: TriggerSchedule, Node: c.node, State: StateMissed, Start: now, End: now,
			Error: fmt.Sprintf("%s; %d earlier scheduled times were missed too, before %s", reason, extra,
				ticks[0].UTC().Format(time.RFC3339))}
		ops = append(ops, clientv3.OpPut(c.keys.run(job, id), r.encode()))
	}
	for _, t := range ticks {
		id := stamp(t) + "-s"
		r := Record{Job: job, ID: id, Scheduled: t.UTC(), Trigger: TriggerSchedule, Node: c.node, State: StateMissed,
			Start: now, End: now, Error: reason}
		ops = append(ops, clientv3.OpPut(c.keys.run(job, id), r.encode()))
	}
	if _, err := c.txn(ctx, nil, ops, nil); err != nil {
		return fmt.Errorf("cluster: record missed runs of %s: %w", job, err)
	}
	c.maybePrune(ctx, job)
	return nil
}
