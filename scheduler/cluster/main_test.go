package cluster_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/soracron/soracron/scheduler/cluster"
	"github.com/soracron/soracron/scheduler/cluster/etcdtest"
)

// endpoint is the embedded etcd shared by the tests of this package (each
// test uses its own key prefix).
var endpoint string

func TestMain(m *testing.M) {
	etcdtest.MainIfServer()
	dir, err := os.MkdirTemp("", "etcdtest")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	srv, err := etcdtest.Start(dir, 0)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	endpoint = srv.Endpoint
	code := m.Run()
	srv.Close()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// prefixes holds the key prefix of each test (fresh for each run of it,
// so that -count > 1 starts from an empty cluster).
var prefixes sync.Map

func prefix(t *testing.T) string {
	p, _ := prefixes.LoadOrStore(t, fmt.Sprintf("t/%s/%d/", strings.ReplaceAll(t.Name(), "/", "_"), time.Now().UnixNano()))
	return p.(string)
}

// open opens a replica named node under the test's prefix, waits for its
// session and closes it at the end of the test.
func open(t *testing.T, node string, mod func(*cluster.Options)) *cluster.Cluster {
	t.Helper()
	opts := cluster.Options{
		Endpoints:  []string{endpoint},
		Prefix:     prefix(t),
		SessionTTL: 2 * time.Second,
		Node:       node,
	}
	if mod != nil {
		mod(&opts)
	}
	c, err := cluster.Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.WaitSession(ctx); err != nil {
		t.Fatalf("%s: %v", node, err)
	}
	return c
}

// tick returns the i-th tick of a test schedule.
func tick(i int) time.Time {
	return time.Date(2026, 12, 7, 6, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Second)
}

func sched(job string, i int, p cluster.Policy) cluster.ClaimRequest {
	return cluster.ClaimRequest{Job: job, Trigger: cluster.TriggerSchedule, Scheduled: tick(i), Policy: p}
}

func manual(job string, p cluster.Policy) cluster.ClaimRequest {
	return cluster.ClaimRequest{Job: job, Trigger: cluster.TriggerManual, Policy: p}
}

func finishOK(t *testing.T, cl *cluster.Claim) {
	t.Helper()
	if err := cl.Finish(context.Background(), cluster.Outcome{State: "ok", Calls: 1, Writes: 1, RunID: 7}); err != nil {
		t.Fatal(err)
	}
}

// waitFor polls cond until it holds or d passes.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestParseURL(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     []string
		err      string
	}{
		{"one", "etcd://127.0.0.1:2379", []string{"http://127.0.0.1:2379"}, ""},
		{"several", "etcd://a:2379,b:2380/", []string{"http://a:2379", "http://b:2380"}, ""},
		{"tls", "etcds://a:2379", []string{"https://a:2379"}, ""},
		{"no scheme", "127.0.0.1:2379", nil, "want etcd://"},
		{"bad scheme", "http://a:2379", nil, "unknown scheme"},
		{"no port", "etcd://a", nil, "bad endpoint"},
		{"empty host", "etcd://a:1,,b:2", nil, "bad endpoint"},
		{"path", "etcd://a:1/x", nil, "bad endpoint"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := cluster.ParseURL(tc.in)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Fatalf("got %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}

func TestNoEtcd(t *testing.T) {
	port, err := etcdtest.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	c, err := cluster.Open(cluster.Options{Endpoints: []string{fmt.Sprintf("http://127.0.0.1:%d", port)},
		SessionTTL: 2 * time.Second, Node: "lonely", DialTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	time.Sleep(time.Second)
	if err := c.Health(); !errors.Is(err, cluster.ErrNoSession) {
		t.Fatalf("Health = %v, want ErrNoSession", err)
	}
	if _, err := c.Claim(context.Background(), sched("j", 1, cluster.Forbid)); !errors.Is(err, cluster.ErrNoSession) {
		t.Fatalf("Claim = %v, want ErrNoSession", err)
	}
}

// TestClaimExactlyOnce: three replicas claim every tick at once; exactly
// one wins each.
func TestClaimExactlyOnce(t *testing.T) {
	nodes := []*cluster.Cluster{open(t, "a", nil), open(t, "b", nil), open(t, "c", nil)}
	const ticks = 30
	wins := make([]int, ticks)
	byNode := map[string]int{}
	var mu sync.Mutex
	for i := range ticks {
		var wg sync.WaitGroup
		for _, n := range nodes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				cl, err := n.Claim(context.Background(), sched("job", i, cluster.Forbid))
				switch {
				case errors.Is(err, cluster.ErrTaken):
					return
				case err != nil:
					t.Error(err)
					return
				}
				if cl.State != cluster.StateRunning {
					t.Errorf("tick %d: state %s", i, cl.State)
				}
				if i > 0 && !cl.Prev.Equal(tick(i-1)) {
					t.Errorf("tick %d: prev %v, want %v", i, cl.Prev, tick(i-1))
				}
				finishOK(t, cl)
				mu.Lock()
				wins[i]++
				byNode[n.Node()]++
				mu.Unlock()
			}()
		}
		wg.Wait()
	}
	for i, w := range wins {
		if w != 1 {
			t.Errorf("tick %d won %d times", i, w)
		}
	}
	recs, err := nodes[0].Runs(context.Background(), "job", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != ticks {
		t.Fatalf("%d records, want %d", len(recs), ticks)
	}
	for _, r := range recs {
		if r.State != "ok" || r.Calls != 1 || r.RunID != 7 || r.End.IsZero() || r.Node == "" {
			t.Errorf("record %+v", r)
		}
	}
	t.Logf("wins by node: %v", byNode)
}

// TestLateClaim: a tick run and released is not claimed again by a late
// replica, nor is an older tick (the lock-by-job-name trap).
func TestLateClaim(t *testing.T) {
	a, b := open(t, "a", nil), open(t, "b", nil)
	cl, err := a.Claim(context.Background(), sched("job", 5, cluster.Forbid))
	if err != nil {
		t.Fatal(err)
	}
	if !cl.Prev.IsZero() {
		t.Errorf("first claim: prev %v, want zero", cl.Prev)
	}
	finishOK(t, cl)
	for _, i := range []int{5, 4, 0} {
		if _, err := b.Claim(context.Background(), sched("job", i, cluster.Forbid)); !errors.Is(err, cluster.ErrTaken) {
			t.Errorf("tick %d: err %v, want ErrTaken", i, err)
		}
	}
	cl, err = b.Claim(context.Background(), sched("job", 9, cluster.Forbid))
	if err != nil {
		t.Fatal(err)
	}
	if !cl.Prev.Equal(tick(5)) {
		t.Errorf("prev = %v, want %v (ticks 6-8 are the winner's to record missed)", cl.Prev, tick(5))
	}
	finishOK(t, cl)
	miss, err := a.Claim(context.Background(), cluster.ClaimRequest{Job: "job", Trigger: cluster.TriggerSchedule,
		Scheduled: tick(10), Miss: true, Reason: "starting_deadline passed"})
	if err != nil || miss.State != cluster.StateMissed {
		t.Fatalf("miss claim: %v, %v", miss, err)
	}
	if _, err := b.Claim(context.Background(), sched("job", 10, cluster.Forbid)); !errors.Is(err, cluster.ErrTaken) {
		t.Errorf("missed tick claimed again: %v", err)
	}
	recs, _ := a.Runs(context.Background(), "job", 1)
	if len(recs) != 1 || recs[0].State != cluster.StateMissed || recs[0].Error != "starting_deadline passed" {
		t.Errorf("newest record %+v", recs)
	}
}

// TestClaimMany: three replicas claim the ticks of 150 jobs in batches at
// once (the first batch also creates last/JOB); each tick of each job is
// won exactly once, and the ends are recorded (batched).
func TestClaimMany(t *testing.T) {
	// A long TTL: each etcd request may take a third of it (20 s here), and
	// a batch of 64 nested claims is slow under -race on a loaded machine.
	// This is a correctness test (each tick won exactly once), not a
	// timing test; no node dies in it, so the TTL never runs out.
	ttl := func(o *cluster.Options) { o.SessionTTL = time.Minute }
	nodes := []*cluster.Cluster{open(t, "a", ttl), open(t, "b", ttl), open(t, "c", ttl)}
	const jobs, ticks = 150, 4
	var mu sync.Mutex
	wins := map[string]int{}
	for i := range ticks {
		var wg sync.WaitGroup
		for _, n := range nodes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				reqs := make([]cluster.ClaimRequest, jobs)
				for j := range reqs {
					reqs[j] = sched(fmt.Sprintf("job-%d", j), i, cluster.Forbid)
				}
				for j, r := range n.ClaimMany(context.Background(), reqs) {
					switch {
					case errors.Is(r.Err, cluster.ErrTaken):
					case r.Err != nil:
						t.Error(r.Err)
					default:
						if r.Claim.State != cluster.StateRunning {
							t.Errorf("job-%d tick %d: %s", j, i, r.Claim.State)
						}
						finishOK(t, r.Claim)
						mu.Lock()
						wins[fmt.Sprintf("job-%d/%d", j, i)]++
						mu.Unlock()
					}
				}
			}()
		}
		wg.Wait()
	}
	if len(wins) != jobs*ticks {
		t.Errorf("%d ticks won, want %d", len(wins), jobs*ticks)
	}
	for k, n := range wins {
		if n != 1 {
			t.Errorf("%s won %d times", k, n)
		}
	}
	recs, err := nodes[0].Runs(context.Background(), "job-7", 0)
	if err != nil || len(recs) != ticks || recs[0].State != "ok" {
		t.Fatalf("records of job-7: %+v, %v", recs, err)
	}
}
