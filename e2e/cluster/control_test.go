package cluster_test

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/soracron/soracron/cli"
)

// suspended reports whether the replica's GET /api/jobs shows job
// suspended.
func (r *replica) suspended(t *testing.T, job string) bool {
	t.Helper()
	var out struct {
		Jobs []struct {
			Name      string `json:"name"`
			Suspended bool   `json:"suspended"`
		} `json:"jobs"`
	}
	if code := r.get(t, "/api/jobs", &out); code != http.StatusOK {
		t.Fatalf("%s: GET /api/jobs: %d", r.name, code)
	}
	for _, j := range out.Jobs {
		if j.Name == job {
			return j.Suspended
		}
	}
	t.Fatalf("%s: no job %s", r.name, job)
	return false
}

// soracron runs a client command of soracron in this process.
func soracron(t *testing.T, args ...string) {
	t.Helper()
	var out, errs bytes.Buffer
	app := cli.App{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errs}
	if code := cli.Execute(context.Background(), args, app); code != 0 {
		t.Fatalf("soracron %s: exit %d: %s%s", strings.Join(args, " "), code, out.String(), errs.String())
	}
}

// TestSuspendAcrossReplicas: `soracron suspend` through one replica stops
// the job's ticks on every replica, a restarted replica still has it
// suspended, and `soracron resume` through another resumes it everywhere.
func TestSuspendAcrossReplicas(t *testing.T) {
	e := newEnv(t, 3*time.Second, job("tick", 0, ""))
	a, b := e.start("a", true), e.start("b", true)
	count := func() int { return len(e.runsByTick("tick")) }
	waitFor(t, 20*time.Second, "ticks running", func() bool { return count() >= 2 })

	soracron(t, "suspend", "tick", "--server", a.api)
	waitFor(t, 30*time.Second, "b shows tick suspended", func() bool { return b.suspended(t, "tick") })
	// From now on both replicas have it suspended: no tick after now may
	// be claimed (the cluster's records give each run's tick).
	suspended := time.Now()
	time.Sleep(3 * time.Second)
	for _, rec := range a.runs(t, "job=tick") {
		if rec.Scheduled != nil && rec.Scheduled.After(suspended) {
			t.Errorf("tick %s ran on %s while the job was suspended", rec.Scheduled, rec.Node)
		}
	}

	b.stop(t)
	b = e.start("b", true)
	waitFor(t, 30*time.Second, "the restarted b shows tick suspended", func() bool { return b.suspended(t, "tick") })

	soracron(t, "resume", "tick", "--server", b.api)
	waitFor(t, 30*time.Second, "a shows tick resumed", func() bool { return !a.suspended(t, "tick") })
	before := count()
	waitFor(t, 20*time.Second, "ticks running again", func() bool { return count() >= before+2 })
	e.checkOnce("tick")
}

// TestSIGHUPKeepsClusterSection: a SIGHUP with a changed cluster section
// applies the new jobs and keeps the cluster settings of the start: the
// log names the changed keys, the replicas stay in one cluster, and every
// tick of the new job runs once.
func TestSIGHUPKeepsClusterSection(t *testing.T) {
	e := newEnv(t, 3*time.Second, job("old", 0, ""))
	rs := []*replica{e.start("a", true), e.start("b", true)}
	type clusterView struct {
		Self struct {
			Prefix string  `json:"prefix"`
			TTL    float64 `json:"session_ttl_seconds"`
		} `json:"self"`
		Members []struct{ Node string } `json:"members"`
	}
	view := func(r *replica) (int, clusterView) {
		var c clusterView
		return r.get(t, "/api/cluster", &c), c
	}
	for _, r := range rs {
		waitFor(t, 20*time.Second, r.name+" sees both members", func() bool {
			code, c := view(r)
			return code == http.StatusOK && len(c.Members) == 2
		})
	}
	data, err := os.ReadFile(e.jobs)
	if err != nil {
		t.Fatal(err)
	}
	y := strings.Replace(string(data), "session_ttl: 3s", "session_ttl: 9s\n  prefix: elsewhere/", 1)
	y += strings.ReplaceAll(job("added", 0, ""), "{{conn}}", e.conn)
	if err := os.WriteFile(e.jobs, []byte(y), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		if err := r.cmd.Process.Signal(syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range rs {
		waitFor(t, 30*time.Second, r.name+" logs the changed keys of the cluster section", func() bool {
			return r.logs.contains(`the cluster section changed: not applied`) &&
				r.logs.contains(`changed="[prefix session_ttl]"`)
		})
		if code, c := view(r); code != http.StatusOK || c.Self.Prefix != "soracron/" ||
			c.Self.TTL != 3 || len(c.Members) != 2 {
			t.Errorf("%s: /api/cluster after SIGHUP: %d %+v, want prefix soracron/, TTL 3s, 2 members", r.name, code, c)
		}
	}
	start := time.Now().Unix() + 1
	time.Sleep(5 * time.Second)
	for _, r := range rs {
		r.stop(t)
	}
	e.checkOnce("old")
	e.checkOnce("added")
	by := e.runsByTick("added")
	for s := start; s < start+3; s++ {
		if len(by[s]) == 0 {
			t.Errorf("tick %d of the added job did not run", s)
		}
	}
}

// TestEventToEveryReplica: one event of Sora's webhook delivered to every
// replica at once (as behind a load balancer that retries) runs its job
// once in the cluster; the cluster's record says trigger event.
func TestEventToEveryReplica(t *testing.T) {
	e := newEnv(t, 3*time.Second, `  - {name: ev, on: [connection.created], concurrency_policy: allow, script: record.lua, `+
		`args: {job: ev, node: "${NODE}", conn: "{{conn}}", sleep: 0}}
`)
	rs := []*replica{e.start("a", true), e.start("b", true), e.start("c", true)}
	for _, r := range rs {
		waitFor(t, 20*time.Second, r.name+" holds a session", func() bool { return r.get(t, "/healthz", nil) == http.StatusOK })
	}
	body := `{"type": "connection.created", "channel_id": "sora", "connection_id": "c1", "id": "ev-1", ` +
		`"timestamp": "2026-12-07T06:00:00.000000Z"}`
	codes := make(chan int, len(rs))
	for _, r := range rs {
		go func() {
			resp, err := http.Post(r.api+"/webhooks/sora/event", "application/json", strings.NewReader(body))
			if err != nil {
				t.Error(err)
				codes <- 0
				return
			}
			resp.Body.Close()
			codes <- resp.StatusCode
		}()
	}
	for range rs {
		if code := <-codes; code != http.StatusOK {
			t.Errorf("webhook: %d, want 200", code)
		}
	}
	var recs []record
	waitFor(t, 20*time.Second, "the event's run recorded in the cluster", func() bool {
		recs = rs[2].runs(t, "job=ev")
		return len(recs) >= 1 && recs[0].Outcome == "ok"
	})
	time.Sleep(time.Second) // a second run, if any, would have started by now
	recs = rs[0].runs(t, "job=ev")
	if len(recs) != 1 {
		t.Errorf("%d cluster records of the event's runs, want 1: %+v", len(recs), recs)
	}
	runs := 0
	for _, nodes := range e.runsByTick("ev") {
		runs += len(nodes)
	}
	if runs != 1 {
		t.Errorf("the event ran %d times (%v), want once", runs, e.runsByTick("ev"))
	}
}
