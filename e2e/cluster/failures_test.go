package cluster_test

import (
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"
)

// holder returns the replica running job according to the cluster.
func holder(t *testing.T, r *replica, job string) string {
	t.Helper()
	var out struct {
		Members []struct {
			Node    string `json:"node"`
			Running []struct {
				Job string `json:"job"`
			} `json:"running"`
		} `json:"members"`
	}
	if code := r.get(t, "/api/cluster", &out); code != http.StatusOK {
		return ""
	}
	for _, m := range out.Members {
		for _, run := range m.Running {
			if run.Job == job {
				return m.Node
			}
		}
	}
	return ""
}

// maxGap returns the largest distance between consecutive ticks of secs
// at or after from.
func maxGap(secs []int64, from int64) int64 {
	var gap, prev int64
	for _, s := range secs {
		if s < from {
			continue
		}
		if prev != 0 {
			gap = max(gap, s-prev)
		}
		prev = s
	}
	return gap
}

// TestKill9: kill -9 of the replica running a long job: a survivor records
// the run interrupted and reruns it (on_lost: rerun), and the ticks of the
// other job go on with a gap of at most the TTL plus one tick.
func TestKill9(t *testing.T) {
	const ttl = 2 * time.Second
	e := newEnv(t, ttl, job("long", 600, ", on_lost: rerun, timeout: 5m")+
		job("quick", 0, ""))
	rs := map[string]*replica{"a": e.start("a", true), "b": e.start("b", true), "c": e.start("c", true)}
	var victim string
	waitFor(t, 30*time.Second, "a replica running long", func() bool { victim = holder(t, rs["a"], "long"); return victim != "" })
	time.Sleep(2 * time.Second) // some quick ticks before
	killed := time.Now()
	if err := rs[victim].cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-rs[victim].done
	var survivor *replica
	for name, r := range rs {
		if name != victim {
			survivor = r
		}
	}
	var lost, rerun record
	waitFor(t, 30*time.Second, "the lost run recorded interrupted and rerun", func() bool {
		lost, rerun = record{}, record{}
		for _, r := range survivor.runs(t, "job=long") {
			switch {
			case r.Outcome == "interrupted" && r.Node == victim:
				lost = r
			case r.Rerun != "" && r.Outcome == "running":
				rerun = r
			}
		}
		return lost.Node != "" && rerun.Node != ""
	})
	took := rerun.Start.Sub(killed)
	t.Logf("killed %s; lost run %s rerun on %s after %s", victim, lost.ID, rerun.Node, took)
	if took > ttl+2*time.Second {
		t.Errorf("rerun %s after the kill, want at most TTL %s + 2s", took, ttl)
	}
	if rerun.Node == victim || !strings.Contains(string(lost.ID), strings.Trim(rerun.Rerun, "\"")) {
		t.Errorf("rerun %+v of lost %+v", rerun, lost)
	}
	time.Sleep(3 * time.Second) // quick ticks after
	// Counted before the survivors stop: a stopping replica cancels the
	// rerun, and the next tick of long then runs on another.
	longRuns := 0 // the lost run and its rerun serve the same tick
	for _, nodes := range e.runsByTick("long") {
		longRuns += len(nodes)
	}
	for name, r := range rs {
		if name != victim {
			r.stop(t)
		}
	}
	secs := e.checkOnce("quick")
	if gap := maxGap(secs, killed.Unix()-1); gap > int64((ttl+time.Second)/time.Second)+1 {
		t.Errorf("quick: a gap of %d ticks after the kill, want at most TTL + 1 tick (ticks %v)", gap, secs)
	}
	if n := longRuns; n != 2 {
		t.Errorf("long ran %d times, want 2 (the lost run and its rerun)", n)
	}
}

// TestSIGSTOP: a replica stopped longer than its TTL learns, when it
// resumes, that it lost its session: it cancels what it held (recorded
// interrupted), and no tick runs twice.
func TestSIGSTOP(t *testing.T) {
	const ttl = 2 * time.Second
	e := newEnv(t, ttl, job("long", 600, ", timeout: 5m")+
		job("quick", 0, ""))
	rs := map[string]*replica{"a": e.start("a", true), "b": e.start("b", true)}
	var victim string
	waitFor(t, 30*time.Second, "a replica running long", func() bool { victim = holder(t, rs["a"], "long"); return victim != "" })
	// Stopped while long sleeps, not while it records its tick: a Sora
	// request in flight at SIGSTOP times out at SIGCONT and may fail the
	// run before the replica sees its session lost.
	waitFor(t, 30*time.Second, "long to record its tick", func() bool { return len(e.runsByTick("long")) > 0 })
	v := rs[victim]
	if err := v.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2*ttl + time.Second)
	if err := v.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 30*time.Second, "the stopped replica to see its session lost", func() bool {
		return v.logs.contains("etcd session lost")
	})
	waitFor(t, 30*time.Second, "its long run recorded interrupted locally", func() bool {
		for _, r := range v.runs(t, "scope=local&job=long") {
			if r.Outcome == "interrupted" && strings.Contains(r.Error, "etcd session lost") {
				return true
			}
		}
		return false
	})
	waitFor(t, 30*time.Second, "a new session", func() bool { return v.get(t, "/healthz", nil) == http.StatusOK })
	time.Sleep(2 * time.Second)
	for _, r := range rs {
		r.stop(t)
	}
	e.checkOnce("quick")
	e.checkOnce("long")
}

// TestEtcdDown: etcd stops for 10 s: no replica starts a run meanwhile,
// /healthz says why, scheduling resumes, and the ticks of the outage are
// recorded missed (catch_up: latest runs the latest one only if it is
// still due when the session is back).
func TestEtcdDown(t *testing.T) {
	const ttl = 2 * time.Second
	e := newEnv(t, ttl, job("quick", 0, ""))
	rs := []*replica{e.start("a", true), e.start("b", true)}
	time.Sleep(3 * time.Second)
	port := e.etcd.Port
	e.etcd.Stop()
	stopped := time.Now()
	var health struct {
		Status, Reason string
	}
	waitFor(t, 30*time.Second, "/healthz to report the lost session", func() bool {
		return rs[0].get(t, "/healthz", &health) == http.StatusServiceUnavailable
	})
	if health.Status != "unavailable" || !strings.Contains(health.Reason, "etcd") {
		t.Errorf("healthz %+v", health)
	}
	t.Logf("healthz after %s: %+v", time.Since(stopped).Round(time.Millisecond), health)
	time.Sleep(10*time.Second - time.Since(stopped))
	e.startEtcd(port)
	restarted := time.Now()
	waitFor(t, 15*time.Second, "the replicas back", func() bool {
		return rs[0].get(t, "/healthz", nil) == http.StatusOK && rs[1].get(t, "/healthz", nil) == http.StatusOK
	})
	t.Logf("healthy %s after etcd restarted", time.Since(restarted).Round(time.Millisecond))
	time.Sleep(3 * time.Second)
	secs := e.checkOnce("quick")
	// No run started during the outage: from the loss of the sessions
	// (at most the TTL after the stop) until the restart.
	for _, s := range secs {
		if s > stopped.Unix()+int64(ttl/time.Second) && s < restarted.Unix() {
			t.Errorf("tick %d ran while etcd was down (%d to %d)", s, stopped.Unix(), restarted.Unix())
		}
	}
	missed := 0
	for _, r := range rs[0].runs(t, "job=quick") {
		if r.Outcome == "missed" {
			missed++
		}
	}
	for _, r := range rs {
		r.stop(t)
	}
	if missed < 5 {
		t.Errorf("%d ticks recorded missed after a 10 s outage, want at least 5", missed)
	}
}
