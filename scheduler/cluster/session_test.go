package cluster_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/soracron/soracron/scheduler/cluster"
)

// TestSessionLoss: when the lease is gone, the runs are cancelled at once,
// Health says why, claims are refused, and a new session follows.
func TestSessionLoss(t *testing.T) {
	var mu sync.Mutex
	var events []string
	a := open(t, "a", func(o *cluster.Options) {
		o.OnSession = func(err error) {
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				events = append(events, "up")
			} else {
				events = append(events, "down")
			}
		}
	})
	ctx := context.Background()
	cl, err := a.Claim(ctx, sched("job", 1, cluster.Forbid))
	if err != nil {
		t.Fatal(err)
	}
	// Revoke the session's lease behind the replica's back (as etcd does
	// when the lease expires).
	resp, err := a.Client().Leases(ctx)
	if err != nil || len(resp.Leases) == 0 {
		t.Fatalf("leases: %v, %v", resp, err)
	}
	for _, l := range resp.Leases {
		if _, err := a.Client().Revoke(ctx, l.ID); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case <-cl.Context().Done():
	case <-time.After(20 * time.Second):
		t.Fatal("the run was not cancelled when the session was lost")
	}
	if !errors.Is(context.Cause(cl.Context()), cluster.ErrSessionLost) {
		t.Fatalf("cause %v", context.Cause(cl.Context()))
	}
	if err := cl.Finish(ctx, cluster.Outcome{State: "cancelled"}); !errors.Is(err, cluster.ErrSessionLost) {
		t.Fatalf("Finish after loss: %v", err)
	}
	waitFor(t, 20*time.Second, "a new session", func() bool { return a.Health() == nil })
	cl, err = a.Claim(ctx, sched("job", 2, cluster.Forbid))
	if err != nil {
		t.Fatal(err)
	}
	finishOK(t, cl)
	mu.Lock()
	got := strings.Join(events, ",")
	mu.Unlock()
	if !strings.HasPrefix(got, "up,down") || !strings.HasSuffix(got, "up") {
		t.Fatalf("session events %q, want up,down,...,up", got)
	}
}

// TestDuplicateNode: a second live replica with the same name gets no
// session, and says why.
func TestDuplicateNode(t *testing.T) {
	open(t, "same", nil)
	c, err := cluster.Open(cluster.Options{Endpoints: []string{endpoint}, Prefix: prefix(t),
		SessionTTL: 2 * time.Second, Node: "same"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// Its first attempt at a session finds the name taken; until then it
	// has no session either.
	waitFor(t, 15*time.Second, "Health to say the name is in use", func() bool {
		err := c.Health()
		return err != nil && strings.Contains(err.Error(), "in use")
	})
	if err := c.Health(); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("Health = %v, want the name in use", err)
	}
}

// TestMembers lists the live replicas and their runs; a closed replica
// leaves at once.
func TestMembers(t *testing.T) {
	a, b := open(t, "a", nil), open(t, "b", nil)
	ctx := context.Background()
	cl, err := b.Claim(ctx, sched("job", 1, cluster.Forbid))
	if err != nil {
		t.Fatal(err)
	}
	ms, err := a.Members(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 2 || ms[0].Node != "a" || !ms[0].Self || ms[1].Node != "b" || ms[1].Self ||
		len(ms[0].Running) != 0 || len(ms[1].Running) != 1 || ms[1].Running[0].Job != "job" {
		t.Fatalf("members %+v", ms)
	}
	finishOK(t, cl)
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	ms, err = a.Members(ctx)
	if err != nil || len(ms) != 1 || ms[0].Node != "a" {
		t.Fatalf("after b closed: %+v, %v", ms, err)
	}
}

// TestPrune bounds the records per job.
func TestPrune(t *testing.T) {
	a := open(t, "a", func(o *cluster.Options) { o.RecordKeep = 5 })
	ctx := context.Background()
	for i := range 12 {
		cl, err := a.Claim(ctx, sched("job", i, cluster.Forbid))
		if err != nil {
			t.Fatal(err)
		}
		finishOK(t, cl)
	}
	recs, err := a.Runs(ctx, "job", 0)
	if err != nil {
		t.Fatal(err)
	}
	// Pruned every RecordKeep/2 finishes: between 5 and 7 remain, the newest.
	if len(recs) < 5 || len(recs) > 7 || !recs[0].Scheduled.Equal(tick(11)) || !recs[4].Scheduled.Equal(tick(7)) {
		t.Fatalf("%d records, newest %v", len(recs), recs)
	}
	if _, err := a.Claim(ctx, sched("job", 3, cluster.Forbid)); !errors.Is(err, cluster.ErrTaken) {
		t.Fatalf("a pruned tick was claimed again: %v", err)
	}
}
