package api

import (
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

// clusterView is the answer of GET /api/cluster.
type clusterView struct {
	Self struct {
		Node       string  `json:"node"`
		Healthy    bool    `json:"healthy"`
		Reason     string  `json:"reason"`
		TTLSeconds float64 `json:"session_ttl_seconds"`
		Prefix     string  `json:"prefix"`
	} `json:"self"`
	Members []struct {
		Node    string    `json:"node"`
		Since   time.Time `json:"since"`
		Self    bool      `json:"self"`
		Running []struct {
			Job   string    `json:"job"`
			ID    string    `json:"id"`
			Start time.Time `json:"start"`
		} `json:"running"`
	} `json:"members"`
}

// nodes returns the members' names and, for each, its running jobs.
func (v clusterView) nodes() (names []string, running map[string][]string, self string) {
	running = map[string][]string{}
	for _, m := range v.Members {
		names = append(names, m.Node)
		for _, r := range m.Running {
			running[m.Node] = append(running[m.Node], r.Job)
		}
		if m.Self {
			self = m.Node
		}
	}
	return names, running, self
}

const clusterAPIJobs = `
sora: {url: "{{url}}"}
timezone: UTC
jobs:
  - name: long
    schedule: "@hourly"
    enabled: false
    script: sleep.lua
    args: {seconds: 60}
    concurrency_policy: allow
`

// TestClusterAPI checks GET /api/cluster over HTTP against replicas of a
// real etcd: the members, their health and which jobs each is running.
func TestClusterAPI(t *testing.T) {
	w := newClusterWorld(t, clusterAPIJobs)
	r0, r1, r2 := w.start("r0"), w.start("r1"), w.start("r2")
	for _, r := range []*replica{r1, r1, r2} {
		if code := r.do(t, http.MethodPost, "/api/jobs/long/run", nil, nil); code != http.StatusAccepted {
			t.Fatalf("run on %s: %d", r.node, code)
		}
	}
	dead := w.startAt("r9", "http://127.0.0.1:1", false)

	for _, tc := range []struct {
		name    string
		r       *replica
		code    int
		healthy bool
		reason  string
		members []string
		running map[string][]string
		before  func()
	}{
		{name: "three members seen from r0", r: r0, code: http.StatusOK, healthy: true,
			members: []string{"r0", "r1", "r2"}, running: map[string][]string{"r1": {"long", "long"}, "r2": {"long"}}},
		{name: "the same seen from r2", r: r2, code: http.StatusOK, healthy: true,
			members: []string{"r0", "r1", "r2"}, running: map[string][]string{"r1": {"long", "long"}, "r2": {"long"}}},
		{name: "a replica without etcd", r: dead, code: http.StatusServiceUnavailable, reason: "no etcd session",
			members: nil, running: map[string][]string{}},
		{name: "r1 left: its runs with it", r: r0, code: http.StatusOK, healthy: true, before: r1.stop,
			members: []string{"r0", "r2"}, running: map[string][]string{"r2": {"long"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.before != nil {
				tc.before()
			}
			var v clusterView
			var code int
			// Runs register as they start: wait for the expected view.
			waitFor(t, 15*time.Second, func() bool {
				v = clusterView{}
				code = tc.r.do(t, http.MethodGet, "/api/cluster", nil, &v)
				names, running, _ := v.nodes()
				return code == tc.code && slices.Equal(names, tc.members) && equalRunning(running, tc.running)
			}, "GET /api/cluster on %s = %d %v, want %d with members %v running %v", tc.r.node, code, v, tc.code,
				tc.members, tc.running)
			if v.Self.Node != tc.r.node || v.Self.Healthy != tc.healthy || !strings.Contains(v.Self.Reason, tc.reason) {
				t.Errorf("self = %+v, want node %s healthy %v reason ~%q", v.Self, tc.r.node, tc.healthy, tc.reason)
			}
			if v.Self.Prefix != w.prefix || v.Self.TTLSeconds != clusterTTL.Seconds() {
				t.Errorf("self = %+v, want prefix %s and TTL %s", v.Self, w.prefix, clusterTTL)
			}
			if _, _, self := v.nodes(); tc.healthy && self != tc.r.node {
				t.Errorf("the member marked self is %q, want %s", self, tc.r.node)
			}
			for _, m := range v.Members {
				if m.Since.IsZero() || time.Since(m.Since) > time.Minute {
					t.Errorf("member %s: since %s", m.Node, m.Since)
				}
				for _, r := range m.Running {
					if r.ID == "" || r.Start.IsZero() {
						t.Errorf("member %s: run %+v without id or start", m.Node, r)
					}
				}
			}
		})
	}

	t.Run("single node", func(t *testing.T) {
		h := newHarness(t, jobsHeader+"jobs: [{name: a, schedule: \"@every 10s\", script: scripts/stamp.lua}]\n")
		srv := httptest.NewServer(Handler(h.s, Options{}))
		defer srv.Close()
		resp, err := http.Get(srv.URL + "/api/cluster")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET /api/cluster single-node: %d, want 404", resp.StatusCode)
		}
	})
}

// equalRunning compares the running jobs per node, in any order.
func equalRunning(a, b map[string][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		x, y := slices.Clone(v), slices.Clone(b[k])
		slices.Sort(x)
		slices.Sort(y)
		if !slices.Equal(x, y) {
			return false
		}
	}
	return true
}

const clusterSuspendJobs = `
sora: {url: "{{url}}"}
timezone: UTC
jobs:
  - name: tick
    schedule: "@every 1s"
    script: record.lua
    args: {conn: "{{conn}}"}
`

// suspendedOn returns whether the replica's GET /api/jobs shows tick
// suspended, and since when.
func suspendedOn(t *testing.T, r *replica) (bool, time.Time) {
	t.Helper()
	var out struct {
		Jobs []JobStatus `json:"jobs"`
	}
	if code := r.do(t, http.MethodGet, "/api/jobs", nil, &out); code != http.StatusOK {
		t.Fatalf("GET /api/jobs on %s: %d", r.node, code)
	}
	for _, j := range out.Jobs {
		if j.Name == "tick" {
			if j.SuspendedAt != nil {
				return j.Suspended, *j.SuspendedAt
			}
			return j.Suspended, time.Time{}
		}
	}
	t.Fatalf("GET /api/jobs on %s: no job tick", r.node)
	return false, time.Time{}
}

// TestClusterSuspend suspends and resumes a job through the API of one
// replica and checks every replica: GET /api/jobs, and the ticks that run.
func TestClusterSuspend(t *testing.T) {
	w := newClusterWorld(t, clusterSuspendJobs)
	rs := []*replica{w.start("r0"), w.start("r1"), w.start("r2")}
	waitFor(t, 15*time.Second, func() bool { return len(w.ranKeys("tick")) >= 2 }, "ticks running")
	var since time.Time

	steps := []struct {
		name      string
		do        func() *replica // the request's replica, or nil
		path      string
		suspended bool
	}{
		{name: "suspend on r1", do: func() *replica { return rs[1] }, path: "/api/jobs/tick/suspend", suspended: true},
		{name: "suspend again on r0 keeps the first time", do: func() *replica { return rs[0] },
			path: "/api/jobs/tick/suspend", suspended: true},
		{name: "a replica restarted and one started afterwards see it", suspended: true, do: func() *replica {
			rs[2].stop()
			rs[2] = w.start("r2")
			rs = append(rs, w.start("r3"))
			return nil
		}},
		{name: "resume on r3", do: func() *replica { return rs[3] }, path: "/api/jobs/tick/resume", suspended: false},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if r := st.do(); r != nil {
				var j JobStatus
				if code := r.do(t, http.MethodPost, st.path, nil, &j); code != http.StatusOK || j.Suspended != st.suspended {
					t.Fatalf("POST %s on %s: %d %+v", st.path, r.node, code, j)
				}
			}
			for _, r := range rs {
				waitFor(t, 15*time.Second, func() bool { on, _ := suspendedOn(t, r); return on == st.suspended },
					"GET /api/jobs on %s shows suspended %v", r.node, st.suspended)
				_, at := suspendedOn(t, r)
				switch {
				case st.suspended && since.IsZero():
					since = at
				case st.suspended && !at.Equal(since):
					t.Errorf("%s: suspended_at %s, want %s (the first suspension)", r.node, at, since)
				case !st.suspended && !at.IsZero():
					t.Errorf("%s: suspended_at %s after the resume", r.node, at)
				}
			}
			// Every replica has the new state from now on: no tick after
			// now may be claimed while suspended (the cluster's records
			// give each run's tick).
			seen := time.Now()
			before := len(w.ranKeys("tick"))
			time.Sleep(2500 * time.Millisecond) // two ticks and more
			recs, err := rs[0].cl.Runs(t.Context(), "tick", 0)
			if err != nil {
				t.Fatal(err)
			}
			for _, rec := range recs {
				if st.suspended && rec.Scheduled.After(seen) {
					t.Errorf("tick %s ran on %s while the job was suspended", rec.Scheduled, rec.Node)
				}
			}
			if after := len(w.ranKeys("tick")); !st.suspended && after < before+2 {
				t.Errorf("%d ticks ran in 2.5s after the resume, want at least 2", after-before)
			}
		})
	}
}

// TestClusterReload reloads a replica's jobs.yaml with a changed cluster
// section and a new job: the job is applied, the cluster section is not
// (same prefix, session, membership), and the log names the changed keys.
func TestClusterReload(t *testing.T) {
	w := newClusterWorld(t, clusterAPIJobs)
	r0, r1 := w.start("r0"), w.start("r1")
	var before clusterView
	if code := r0.do(t, http.MethodGet, "/api/cluster", nil, &before); code != http.StatusOK {
		t.Fatalf("GET /api/cluster: %d", code)
	}
	data, err := os.ReadFile(w.cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	w.writeJobs(strings.Replace(string(data), "jobs:\n", "cluster: {endpoints: [127.0.0.1:1], prefix: elsewhere/, session_ttl: 9s}\n"+
		"jobs:\n  - {name: added, schedule: \"@hourly\", enabled: false, script: sleep.lua, args: {seconds: 0}}\n", 1))
	if err := r0.s.Reload(w.load()); err != nil {
		t.Fatal(err)
	}
	logs := r0.logs.String()
	if !strings.Contains(logs, "the cluster section changed: not applied") ||
		!strings.Contains(logs, `changed="[endpoints prefix session_ttl]"`) {
		t.Errorf("the log does not name the changed keys of the cluster section:\n%s", logs)
	}
	var after clusterView
	if code := r0.do(t, http.MethodGet, "/api/cluster", nil, &after); code != http.StatusOK {
		t.Fatalf("GET /api/cluster after the reload: %d %+v", code, after)
	}
	if after.Self != before.Self || len(after.Members) != 2 || !after.Members[0].Since.Equal(before.Members[0].Since) {
		t.Errorf("cluster after the reload %+v, want as before %+v", after, before)
	}
	// The new job is there, and its manual run is claimed in the same
	// cluster: r1 sees its record.
	if code := r0.do(t, http.MethodPost, "/api/jobs/added/run", nil, nil); code != http.StatusAccepted {
		t.Fatalf("run of the added job: %d", code)
	}
	waitFor(t, 15*time.Second, func() bool {
		recs, err := r1.cl.Runs(t.Context(), "added", 0)
		return err == nil && len(recs) == 1 && recs[0].Node == "r0"
	}, "the added job's run recorded in the cluster")
}
