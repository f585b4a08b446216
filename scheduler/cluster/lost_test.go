package cluster_test

import (
	"context"
	"testing"
	"time"

	"github.com/soracron/soracron/scheduler/cluster"
)

// TestLostRun: the replica running a job dies without a word (its client
// stops, its lease expires); exactly one survivor records the run
// interrupted and, with on_lost rerun, claims its rerun.
func TestLostRun(t *testing.T) {
	for _, tc := range []struct {
		name  string
		rerun bool
	}{{"rerun", true}, {"skip", false}} {
		t.Run(tc.name, func(t *testing.T) {
			lost := make(chan cluster.Lost, 4)
			survivor := func(o *cluster.Options) {
				o.LostPolicy = func(job string) (bool, cluster.Policy, bool) { return tc.rerun, cluster.Forbid, job == "job" }
				o.OnLost = func(l cluster.Lost) { lost <- l }
			}
			dead := open(t, "dead", nil)
			open(t, "b", survivor)
			open(t, "c", survivor)
			ctx := context.Background()
			cl, err := dead.Claim(ctx, sched("job", 1, cluster.Forbid))
			if err != nil {
				t.Fatal(err)
			}
			died := time.Now()
			// Like kill -9: the connection goes, the lease is not revoked.
			dead.Kill()
			var l cluster.Lost
			select {
			case l = <-lost:
			case <-time.After(20 * time.Second):
				t.Fatal("the lost run was not recovered")
			}
			gap := time.Since(died)
			t.Logf("recovered after %s (TTL 2s)", gap)
			// Not before the lease expires; soon after it, with room for a
			// loaded machine (etcd and the replicas share its cores).
			if gap < time.Second || gap > 10*time.Second {
				t.Errorf("recovered after %s, want after the TTL and within 5 TTLs", gap)
			}
			if l.Record.ID != cl.ID || l.Record.State != cluster.StateInterrupted || l.Record.Node != "dead" {
				t.Errorf("lost record %+v", l.Record)
			}
			if tc.rerun {
				if l.Rerun == nil || l.Rerun.State != cluster.StateRunning || l.Rerun.Record.Rerun != cl.ID {
					t.Fatalf("rerun %+v", l.Rerun)
				}
				finishOK(t, l.Rerun)
			} else if l.Rerun != nil {
				t.Fatalf("rerun %+v with on_lost skip", l.Rerun)
			}
			select {
			case l2 := <-lost:
				t.Fatalf("recovered twice: %+v", l2.Record)
			case <-time.After(2500 * time.Millisecond):
			}
		})
	}
}
