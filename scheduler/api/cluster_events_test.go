package api

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/soracron/soracron/scheduler/cluster"
	"github.com/soracron/soracron/scheduler/history"
)

const clusterEventJobs = `
sora: {url: "{{url}}"}
timezone: UTC
jobs:
  - name: welcome
    on: [connection.created]
    script: record.lua
    args: {conn: "{{conn}}"}
    concurrency_policy: allow
`

// event is a webhook body of Sora's connection.created.
func event(id, ts, conn string) map[string]any {
	ev := map[string]any{"type": "connection.created", "channel_id": "sora", "connection_id": conn}
	if id != "" {
		ev["id"] = id
	}
	if ts != "" {
		ev["timestamp"] = ts
	}
	return ev
}

// post delivers ev to the replica's webhook and returns the status and
// the answer's "status".
func post(t *testing.T, r *replica, ev map[string]any) (int, string) {
	t.Helper()
	var out map[string]any
	code := r.do(t, http.MethodPost, WebhookPath, ev, &out)
	s, _ := out["status"].(string)
	return code, s
}

// TestClusterEventRunsOnce delivers events of Sora's webhook to the
// replicas of a cluster and counts the runs of the job they trigger, in
// the emulator's state (what the script wrote), the histories of the
// replicas and etcd's records.
func TestClusterEventRunsOnce(t *testing.T) {
	ts := "2026-12-07T06:00:00.123456Z"
	for _, tc := range []struct {
		name string
		// deliveries: the replica index and the event (id, timestamp)
		// of each delivery; concurrent ones are sent at once.
		deliveries [][]int
		events     []map[string]any
		concurrent bool
		want       map[string]int // event id (or "none") -> runs
	}{
		{name: "one event delivered to every replica at once",
			events: []map[string]any{event("ev-1", ts, "c1")}, deliveries: [][]int{{0, 0}, {1, 0}, {2, 0}},
			concurrent: true, want: map[string]int{"ev-1": 1}},
		{name: "a retry reaching another replica after the run",
			events: []map[string]any{event("ev-1", ts, "c1")}, deliveries: [][]int{{0, 0}, {1, 0}},
			want: map[string]int{"ev-1": 1}},
		{name: "an event with a timestamp but no id",
			events: []map[string]any{event("", ts, "c1")}, deliveries: [][]int{{0, 0}, {2, 0}},
			concurrent: true, want: map[string]int{ts: 1}},
		{name: "an event with an id and an unreadable timestamp",
			events: []map[string]any{event("ev-2", "yesterday", "c1")}, deliveries: [][]int{{1, 0}, {2, 0}},
			concurrent: true, want: map[string]int{"ev-2": 1}},
		{name: "two events, one per replica",
			events:     []map[string]any{event("ev-1", ts, "c1"), event("ev-3", ts, "c2")},
			deliveries: [][]int{{0, 0}, {1, 1}}, concurrent: true, want: map[string]int{"ev-1": 1, "ev-3": 1}},
		{name: "an event without id nor timestamp is not deduplicated",
			events: []map[string]any{event("", "", "c1")}, deliveries: [][]int{{0, 0}, {1, 0}},
			want: map[string]int{"none": 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newClusterWorld(t, clusterEventJobs)
			rs := []*replica{w.start("r0"), w.start("r1"), w.start("r2")}
			var wg sync.WaitGroup
			for _, d := range tc.deliveries {
				send := func() {
					defer wg.Done()
					if code, status := post(t, rs[d[0]], tc.events[d[1]]); code != http.StatusOK || status != "accepted" {
						t.Errorf("delivery to r%d: %d %q, want 200 accepted", d[0], code, status)
					}
				}
				wg.Add(1)
				if tc.concurrent {
					go send()
				} else {
					send()
					w.idle()
				}
			}
			wg.Wait()
			w.idle()
			total := 0
			for id, n := range tc.want {
				if got := w.ranKeys(id); len(got) != n {
					t.Errorf("event %s: %d runs in Sora's metadata (%v), want %d", id, len(got), got, n)
				}
				total += n
			}
			hist := 0
			for _, r := range rs {
				ok := r.runs(t, "welcome", func(run history.Run) bool {
					return run.Trigger == history.TriggerEvent && run.Outcome == history.OutcomeOK
				})
				hist += len(ok)
			}
			if hist != total {
				t.Errorf("%d event runs ok in the histories of the replicas, want %d", hist, total)
			}
			recs, err := rs[0].cl.Runs(t.Context(), "welcome", 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) != total {
				t.Errorf("%d records in etcd, want %d: %+v", len(recs), total, recs)
			}
			for _, rec := range recs {
				if rec.Trigger != cluster.TriggerEvent || rec.State != "ok" || !strings.Contains(rec.ID, "-e-") {
					t.Errorf("record %+v: want trigger event, state ok, an event id", rec)
				}
			}
		})
	}
}

const clusterEventPolicyJobs = `
sora: {url: "{{url}}"}
timezone: UTC
jobs:
  - name: slow
    on: [connection.created]
    script: record.lua
    args: {conn: "{{conn}}", seconds: 30}
    concurrency_policy: %s
`

// TestClusterEventPolicy checks that forbid and replace hold across the
// cluster for event runs: the job runs on r0 when an event for another
// connection reaches r1.
func TestClusterEventPolicy(t *testing.T) {
	ts := "2026-12-07T06:00:00Z"
	for _, tc := range []struct {
		policy string
		check  func(t *testing.T, w *clusterWorld, r0, r1 *replica)
	}{
		{"forbid", func(t *testing.T, w *clusterWorld, r0, r1 *replica) {
			waitFor(t, 15*time.Second, func() bool {
				return len(r1.runs(t, "slow", func(run history.Run) bool { return run.Outcome == history.OutcomeSkipped })) == 1
			}, "the second event's run recorded skipped on r1")
			sk := r1.runs(t, "slow", func(history.Run) bool { return true })
			if len(sk) != 1 || sk[0].Trigger != history.TriggerEvent || !strings.Contains(sk[0].Error, "running on node r0") {
				t.Errorf("runs of r1: %+v, want one skipped event run naming r0", sk)
			}
			if got := w.ranKeys("ev-b"); len(got) != 0 {
				t.Errorf("the skipped event ran: %v", got)
			}
			if st := r0.s.Health().Running; st != 1 {
				t.Errorf("r0 runs %d runs, want its first one still", st)
			}
		}},
		{"replace", func(t *testing.T, w *clusterWorld, r0, r1 *replica) {
			waitFor(t, 15*time.Second, func() bool {
				return len(r0.runs(t, "slow", func(run history.Run) bool { return run.Outcome == history.OutcomeCancelled })) == 1
			}, "the first run, on r0, cancelled")
			waitFor(t, 15*time.Second, func() bool { return len(w.ranKeys("ev-b")) == 1 }, "the second event's run on r1")
			if n := r1.s.Health().Running; n != 1 {
				t.Errorf("r1 runs %d runs, want the second event's", n)
			}
		}},
	} {
		t.Run(tc.policy, func(t *testing.T) {
			w := newClusterWorld(t, fmt.Sprintf(clusterEventPolicyJobs, tc.policy))
			r0, r1 := w.start("r0"), w.start("r1")
			if code, _ := post(t, r0, event("ev-a", ts, "c1")); code != http.StatusOK {
				t.Fatalf("event a: %d", code)
			}
			waitFor(t, 15*time.Second, func() bool { return len(w.ranKeys("ev-a")) == 1 }, "event a's run on r0")
			if code, _ := post(t, r1, event("ev-b", ts, "c2")); code != http.StatusOK {
				t.Fatalf("event b: %d", code)
			}
			tc.check(t, w, r0, r1)
		})
	}
}

// TestClusterEventWithoutSession: a replica without an etcd session
// refuses events with 503, so that Sora (or a load balancer) delivers
// them elsewhere; they are not remembered as received.
func TestClusterEventWithoutSession(t *testing.T) {
	w := newClusterWorld(t, clusterEventJobs)
	dead := w.startAt("r0", "http://127.0.0.1:1", false)
	for range 2 {
		if code, _ := post(t, dead, event("ev-1", "", "c1")); code != http.StatusServiceUnavailable {
			t.Fatalf("event to a replica without session: %d, want 503", code)
		}
	}
	live := w.start("r1")
	if code, status := post(t, live, event("ev-1", "", "c1")); code != http.StatusOK || status != "accepted" {
		t.Fatalf("event to a live replica: %d %q", code, status)
	}
	waitFor(t, 15*time.Second, func() bool { return len(w.ranKeys("ev-1")) == 1 }, "the event's run on r1")
}
