package cluster_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/soracron/soracron/scheduler/cluster"
)

// TestForbid: a job running on a is running for b: b's tick is recorded
// skipped (once), b's manual run is refused.
func TestForbid(t *testing.T) {
	a, b, c := open(t, "a", nil), open(t, "b", nil), open(t, "c", nil)
	ctx := context.Background()
	held, err := a.Claim(ctx, sched("job", 1, cluster.Forbid))
	if err != nil {
		t.Fatal(err)
	}
	sk, err := b.Claim(ctx, sched("job", 2, cluster.Forbid))
	if err != nil {
		t.Fatal(err)
	}
	if sk.State != cluster.StateSkipped || sk.RunningOn != "a" {
		t.Fatalf("tick 2: state %s running on %q, want skipped on a", sk.State, sk.RunningOn)
	}
	if _, err := c.Claim(ctx, sched("job", 2, cluster.Forbid)); !errors.Is(err, cluster.ErrTaken) {
		t.Fatalf("c on tick 2: %v, want ErrTaken", err)
	}
	if _, err := b.Claim(ctx, manual("job", cluster.Forbid)); !errors.Is(err, cluster.ErrConflict) {
		t.Fatalf("manual while running: %v, want ErrConflict", err)
	}
	on, err := c.RunningOn(ctx, "job")
	if err != nil || len(on) != 1 || on[0] != "a" {
		t.Fatalf("RunningOn = %v, %v", on, err)
	}
	finishOK(t, held)
	m, err := b.Claim(ctx, manual("job", cluster.Forbid))
	if err != nil || m.State != cluster.StateRunning {
		t.Fatalf("manual after the end: %v, %v", m, err)
	}
	finishOK(t, m)
	recs, err := c.Runs(ctx, "job", 0)
	if err != nil {
		t.Fatal(err)
	}
	states := map[string]int{}
	for _, r := range recs {
		states[r.Trigger+" "+r.State]++
	}
	want := map[string]int{"schedule ok": 1, "schedule skipped": 1, "manual ok": 1}
	if len(states) != len(want) {
		t.Fatalf("records %v, want %v", states, want)
	}
	for k, n := range want {
		if states[k] != n {
			t.Fatalf("records %v, want %v", states, want)
		}
	}
}

// TestAllow: runs of an allow job overlap across replicas.
func TestAllow(t *testing.T) {
	a, b := open(t, "a", nil), open(t, "b", nil)
	ctx := context.Background()
	r1, err := a.Claim(ctx, sched("job", 1, cluster.Allow))
	if err != nil {
		t.Fatal(err)
	}
	r2, err := b.Claim(ctx, sched("job", 2, cluster.Allow))
	if err != nil || r2.State != cluster.StateRunning {
		t.Fatalf("second run: %v, %v", r2, err)
	}
	on, _ := a.RunningOn(ctx, "job")
	if len(on) != 2 {
		t.Fatalf("running on %v, want 2 nodes", on)
	}
	finishOK(t, r1)
	finishOK(t, r2)
}

// TestReplace: a replace claim on b cancels the run held by a and waits
// for its end.
func TestReplace(t *testing.T) {
	a, b := open(t, "a", nil), open(t, "b", nil)
	ctx := context.Background()
	old, err := a.Claim(ctx, sched("job", 1, cluster.Replace))
	if err != nil {
		t.Fatal(err)
	}
	nw, err := b.Claim(ctx, sched("job", 2, cluster.Replace))
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-old.Context().Done():
	case <-time.After(20 * time.Second):
		t.Fatal("the replaced run was not cancelled")
	}
	if cause := context.Cause(old.Context()); !errors.Is(cause, cluster.ErrReplaced) {
		t.Fatalf("cause %v, want ErrReplaced", cause)
	}
	if nw.Context().Err() != nil {
		t.Fatal("the new run was cancelled too")
	}
	waited := make(chan error, 1)
	go func() { waited <- nw.WaitPredecessors(ctx) }()
	select {
	case err := <-waited:
		t.Fatalf("WaitPredecessors returned (%v) before the replaced run ended", err)
	case <-time.After(300 * time.Millisecond):
	}
	if err := old.Finish(ctx, cluster.Outcome{State: "cancelled", Error: "replaced"}); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-waited:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("WaitPredecessors did not return after the replaced run ended")
	}
	finishOK(t, nw)
}
