package cluster_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/soracron/soracron/scheduler/cluster"
)

// ranks returns the rank of each node for job.
func ranks(nodes []*cluster.Cluster, job string) []int {
	out := make([]int, len(nodes))
	for i, n := range nodes {
		out[i] = n.Rank(job)
	}
	return out
}

// agreed reports whether the nodes rank every job as one permutation of
// 0..len(nodes)-1.
func agreed(nodes []*cluster.Cluster, jobs int) bool {
	for j := range jobs {
		r := ranks(nodes, fmt.Sprintf("job-%d", j))
		slices.Sort(r)
		for i, v := range r {
			if v != i {
				return false
			}
		}
	}
	return true
}

// TestRank: the replicas agree on one preferred owner per job, spread the
// jobs evenly, and when one leaves only its jobs change owner.
func TestRank(t *testing.T) {
	a, b, c := open(t, "a", nil), open(t, "b", nil), open(t, "c", nil)
	const jobs = 300
	waitFor(t, 10*time.Second, "the replicas to see each other", func() bool { return agreed([]*cluster.Cluster{a, b, c}, jobs) })
	owner := map[string]string{}
	count := map[string]int{}
	for j := range jobs {
		job := fmt.Sprintf("job-%d", j)
		for _, n := range []*cluster.Cluster{a, b, c} {
			if n.Rank(job) == 0 {
				owner[job] = n.Node()
				count[n.Node()]++
			}
		}
	}
	for _, n := range []string{"a", "b", "c"} {
		if count[n] < jobs/5 || count[n] > jobs/2 {
			t.Errorf("%s owns %d of %d jobs: %v", n, count[n], jobs, count)
		}
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "the survivors to see c leave", func() bool { return agreed([]*cluster.Cluster{a, b}, jobs) })
	for j := range jobs {
		job := fmt.Sprintf("job-%d", j)
		if o := owner[job]; o != "c" && (o == "a") != (a.Rank(job) == 0) {
			t.Errorf("%s changed owner from %s although its owner stayed", job, o)
		}
	}
	if a.Grace() < 400*time.Millisecond || a.Grace() > time.Second {
		t.Errorf("grace %s", a.Grace())
	}
}

// TestIfUndecided: a take-over claim of a decided tick is refused without
// a write, an undecided one is claimed, by gets or by a range over last/.
func TestIfUndecided(t *testing.T) {
	for _, tc := range []struct {
		name string
		jobs int
	}{
		{"gets", 3},
		{"range", 100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// A long TTL: a correctness test, not a timing one (see
			// TestClaimMany).
			ttl := func(o *cluster.Options) { o.SessionTTL = time.Minute }
			owner, other := open(t, "owner", ttl), open(t, "other", ttl)
			reqs := func(i int) []cluster.ClaimRequest {
				out := make([]cluster.ClaimRequest, tc.jobs)
				for j := range out {
					out[j] = sched(fmt.Sprintf("job-%d", j), i, cluster.Forbid)
					out[j].IfUndecided = true
				}
				return out
			}
			plain := reqs(1)
			for j := range plain {
				plain[j].IfUndecided = false
			}
			for j, r := range owner.ClaimMany(context.Background(), plain) {
				if r.Err != nil {
					t.Fatalf("job-%d: %v", j, r.Err)
				}
				finishOK(t, r.Claim)
			}
			rev := func() int64 {
				resp, err := other.Client().Get(context.Background(), "x")
				if err != nil {
					t.Fatal(err)
				}
				return resp.Header.Revision
			}
			before := rev()
			for j, r := range other.ClaimMany(context.Background(), reqs(1)) {
				if !errors.Is(r.Err, cluster.ErrTaken) {
					t.Errorf("job-%d: decided tick: %v, want ErrTaken", j, r.Err)
				}
			}
			if after := rev(); after != before {
				t.Errorf("revision %d -> %d: refusing a decided tick wrote to etcd", before, after)
			}
			for j, r := range other.ClaimMany(context.Background(), reqs(2)) {
				if r.Err != nil || r.Claim.State != cluster.StateRunning || !r.Claim.Prev.Equal(tick(1)) {
					t.Fatalf("job-%d: undecided tick: %+v, %v", j, r.Claim, r.Err)
				}
				finishOK(t, r.Claim)
			}
		})
	}
}

// TestEarly: an early claim of an idle job wins its tick (the record's
// start is the tick); while a run of the job holds its running key, it
// decides nothing (ErrBusy) and the tick is claimed as usual when due.
func TestEarly(t *testing.T) {
	a, b := open(t, "a", nil), open(t, "b", nil)
	ctx := context.Background()
	future := time.Now().Truncate(time.Second).Add(time.Hour).UTC()
	at := func(i int) time.Time { return future.Add(time.Duration(i) * time.Second) }
	for _, tc := range []struct {
		name   string
		policy cluster.Policy
	}{
		{"forbid", cluster.Forbid},
		{"replace", cluster.Replace},
	} {
		t.Run(tc.name, func(t *testing.T) {
			claim := func(n *cluster.Cluster, i int, early bool) (*cluster.Claim, error) {
				return n.Claim(ctx, cluster.ClaimRequest{Job: "job-" + tc.name, Trigger: cluster.TriggerSchedule,
					Scheduled: at(i), Policy: tc.policy, Early: early})
			}
			cl, err := claim(a, 1, true)
			if err != nil || cl.State != cluster.StateRunning || !cl.Record.Start.Equal(at(1)) {
				t.Fatalf("early claim of an idle job: %+v, %v", cl, err)
			}
			defer finishOK(t, cl)
			if _, err := claim(b, 1, false); !errors.Is(err, cluster.ErrTaken) {
				t.Fatalf("tick claimed early, then when due: %v, want ErrTaken", err)
			}
			if _, err := claim(b, 2, true); !errors.Is(err, cluster.ErrBusy) {
				t.Fatalf("early claim while running: %v, want ErrBusy", err)
			}
			due, err := claim(b, 2, false)
			if err != nil || !due.Prev.Equal(at(1)) {
				t.Fatalf("the busy tick claimed when due: %+v, %v (want it undecided by the early claim)", due, err)
			}
			defer finishOK(t, due)
		})
	}
}
