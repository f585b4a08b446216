package cluster_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/soracron/soracron/scheduler/cluster"
)

// TestClaimEvent: the deliveries of one event to several replicas are one
// claim; another event, or one without identity, is another.
func TestClaimEvent(t *testing.T) {
	at := time.Date(2026, 12, 7, 6, 0, 0, 123456000, time.UTC)
	ev := cluster.EventIdentity{Key: "connection.created\x00sora\x00c1\x00ev-1", At: at}
	for _, tc := range []struct {
		name   string
		second cluster.EventIdentity
		job    string
		taken  bool
	}{
		{"the same event on another replica", ev, "job", true},
		{"the same event for another job", ev, "other", false},
		{"another event", cluster.EventIdentity{Key: "connection.created\x00sora\x00c1\x00ev-2", At: at}, "job", false},
		{"the same key at an unknown time", cluster.EventIdentity{Key: ev.Key}, "job", false},
		{"an event without identity", cluster.EventIdentity{}, "job", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, b := open(t, "a", nil), open(t, "b", nil)
			ctx := context.Background()
			first, err := a.ClaimEvent(ctx, "job", cluster.Allow, ev)
			if err != nil {
				t.Fatal(err)
			}
			if first.State != cluster.StateRunning || first.Record.Trigger != cluster.TriggerEvent ||
				!strings.HasPrefix(first.ID, "01796623200123456000-e-") {
				t.Errorf("first claim %+v (id %s)", first.Record, first.ID)
			}
			finishOK(t, first) // ended: the event is still recognised
			second, err := b.ClaimEvent(ctx, tc.job, cluster.Allow, tc.second)
			switch {
			case tc.taken && !errors.Is(err, cluster.ErrTaken):
				t.Fatalf("second claim: %v, %+v; want ErrTaken", err, second)
			case !tc.taken && err != nil:
				t.Fatalf("second claim: %v", err)
			case !tc.taken:
				if second.State != cluster.StateRunning || second.Record.Job != tc.job ||
					second.Record.Trigger != cluster.TriggerEvent {
					t.Errorf("second claim %+v, want a running event run of %s", second.Record, tc.job)
				}
				finishOK(t, second)
			}
		})
	}
}

// TestClaimEventPolicy: forbid records an event run skipped while the job
// runs elsewhere (a manual claim is refused instead); replace cancels the
// running one.
func TestClaimEventPolicy(t *testing.T) {
	a, b := open(t, "a", nil), open(t, "b", nil)
	ctx := context.Background()
	id := func(s string) cluster.EventIdentity { return cluster.EventIdentity{Key: s, At: time.Now()} }
	running, err := a.ClaimEvent(ctx, "job", cluster.Forbid, id("e1"))
	if err != nil {
		t.Fatal(err)
	}
	skipped, err := b.ClaimEvent(ctx, "job", cluster.Forbid, id("e2"))
	if err != nil || skipped.State != cluster.StateSkipped || skipped.RunningOn != "a" {
		t.Fatalf("forbid: %v %+v, want skipped, running on a", err, skipped)
	}
	recs, err := b.Runs(ctx, "job", 0)
	if err != nil || len(recs) != 2 || recs[0].State != cluster.StateSkipped {
		t.Fatalf("records %+v (%v), want the skipped one newest", recs, err)
	}
	if _, err := b.Claim(ctx, manual("job", cluster.Forbid)); !errors.Is(err, cluster.ErrConflict) {
		t.Fatalf("manual forbid claim: %v, want ErrConflict", err)
	}
	repl, err := b.ClaimEvent(ctx, "job", cluster.Replace, id("e3"))
	if err != nil || repl.State != cluster.StateRunning || !repl.HasPredecessors() {
		t.Fatalf("replace: %v %+v", err, repl)
	}
	select {
	case <-running.Context().Done():
		if !errors.Is(context.Cause(running.Context()), cluster.ErrReplaced) {
			t.Errorf("cause %v", context.Cause(running.Context()))
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the replaced event run was not cancelled")
	}
	finishOK(t, running)
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := repl.WaitPredecessors(wctx); err != nil {
		t.Fatal(err)
	}
	finishOK(t, repl)
}

// TestLostEventRun: an event run lost with its replica is recorded
// interrupted and not rerun, even with on_lost rerun: its event's body is
// gone with it.
func TestLostEventRun(t *testing.T) {
	lost := make(chan cluster.Lost, 2)
	dead := open(t, "dead", nil)
	open(t, "b", func(o *cluster.Options) {
		o.LostPolicy = func(string) (bool, cluster.Policy, bool) { return true, cluster.Forbid, true }
		o.OnLost = func(l cluster.Lost) { lost <- l }
	})
	cl, err := dead.ClaimEvent(context.Background(), "job", cluster.Forbid, cluster.EventIdentity{Key: "e", At: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	dead.Kill()
	select {
	case l := <-lost:
		if l.Record.ID != cl.ID || l.Record.State != cluster.StateInterrupted || l.Rerun != nil {
			t.Errorf("lost %+v, rerun %+v: want interrupted, no rerun", l.Record, l.Rerun)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the lost event run was not recovered")
	}
}
