package cluster_test

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// TestAllReplicasDown: both replicas are down across 5 ticks, then start
// again: catch_up latest runs the latest missed tick once, catch_up none
// runs none of them, every other tick is recorded missed, and no tick is
// absent or decided twice.
func TestAllReplicasDown(t *testing.T) { testDowntime(t, true) }

// TestSingleNodeDown: the same for one serve without --cluster: what it
// missed comes from its history (SQLite).
func TestSingleNodeDown(t *testing.T) { testDowntime(t, false) }

func testDowntime(t *testing.T, clustered bool) {
	const every = 2 // seconds between ticks
	jobsYAML := fmt.Sprintf(`  - {name: latest, schedule: "*/%d * * * * *", script: record.lua, catch_up: latest, starting_deadline: 30s, args: {job: latest, node: "${NODE}", conn: "{{conn}}", sleep: 0}}
  - {name: none, schedule: "*/%d * * * * *", script: record.lua, catch_up: none, args: {job: none, node: "${NODE}", conn: "{{conn}}", sleep: 0}}
`, every, every)
	e := newEnv(t, 2*time.Second, jobsYAML)
	names := []string{"a", "b"}
	if !clustered {
		names = names[:1]
	}
	var rs []*replica
	for _, n := range names {
		rs = append(rs, e.start(n, clustered))
	}
	waitFor(t, 30*time.Second, "a first run", func() bool { return len(e.runsByTick("none")) > 0 })
	// Stop just after a tick; stay down across 5 ticks; start again 1 s
	// into a tick period, so that the latest missed tick is more than 1 s
	// late (a tick started within 1 s is on time, whatever catch_up says).
	sleepUntilPhase(every, 0.3)
	for _, r := range rs {
		r.stop(t)
	}
	stopped := time.Now()
	time.Sleep(time.Duration(5*every) * time.Second)
	sleepUntilPhase(every, 0.9)
	restarted := time.Now()
	rs = rs[:0]
	for _, n := range names {
		rs = append(rs, e.start(n, clustered))
	}
	time.Sleep(time.Duration(3*every) * time.Second)
	for _, job := range []string{"latest", "none"} {
		checkDowntime(t, e, rs[0], job, every, stopped, restarted)
	}
	for _, r := range rs {
		r.stop(t)
	}
}

// checkDowntime checks the ticks of job after the replicas stopped at
// stopped and began again at restarted. The ticks due while down are
// those after stopped and before restarted; when the daemon decided them,
// the latest due tick was the last of those or, if its start-up took long,
// the one after. Every tick after the stop is decided exactly once; an
// on-time tick (started at most 1 s after its tick) is never missed,
// though a tick after the restart may be skipped while the catch-up run
// still runs (concurrency forbid); of the
// ticks decided at start-up, catch_up latest runs exactly one late (the
// latest one due; none when start-up took past the next tick, which then
// runs on time) and records the others missed, catch_up none runs none
// late. The emulator's writes, keyed by tick, match the records: each
// tick that ran wrote once, a missed tick not at all.
func checkDowntime(t *testing.T, e *env, r *replica, job string, every int64, stopped, restarted time.Time) {
	t.Helper()
	ran := func(rec record) bool { return rec.Outcome == "ok" || rec.Outcome == "running" }
	// Records, then the emulator, then records again: a run may start or
	// end between the reads.
	before := byTick(r.runs(t, "job="+job))
	writes := e.runsByTick(job)
	after := byTick(r.runs(t, "job="+job))

	var ticks, gap []int64 // every tick after the stop; those due while down
	for s := range after {
		if s > stopped.Unix() {
			ticks = append(ticks, s)
		}
	}
	slices.Sort(ticks)
	for i, s := range ticks {
		if n := len(after[s]); n != 1 {
			t.Errorf("%s: tick %d decided %d times: %+v", job, s, n, after[s])
		}
		if i > 0 && s-ticks[i-1] != every {
			t.Errorf("%s: no record of the ticks between %d and %d", job, ticks[i-1], s)
		}
		if time.Unix(s, 0).Before(restarted) {
			gap = append(gap, s)
		}
	}
	if len(gap) < 5 {
		t.Fatalf("%s: only %d ticks due while down (%v), want 5 or more; ticks after the stop %v", job, len(gap), gap, ticks)
	}
	last := gap[len(gap)-1]
	var late []int64 // ticks decided at start-up that ran late
	for _, s := range ticks {
		rec := after[s][0]
		onTime := rec.Start != nil && rec.Start.Sub(time.Unix(s, 0)) <= time.Second
		switch {
		case ran(rec) && !onTime && s <= last+every:
			late = append(late, s)
		case ran(rec):
		case rec.Outcome == "missed" && onTime:
			t.Errorf("%s: tick %d recorded missed at %s, on time: it should have run", job, s, rec.Start)
		case rec.Outcome == "missed":
		case rec.Outcome == "skipped" && s > last:
			// A tick after the restart that came while the catch-up run
			// still ran: the concurrency policy (forbid) skipped it.
		default:
			t.Errorf("%s: tick %d %s", job, s, rec.Outcome)
		}
	}
	t.Logf("%s: ticks %v due while down (stopped %s, restarted %s), late runs %v", job, gap,
		stopped.Format(time.TimeOnly), restarted.Format(time.TimeOnly), late)
	switch job {
	case "latest":
		// When start-up took until after the next tick, that tick is the
		// latest due and runs on time: no late run, the others missed.
		next := after[last+every]
		nextOnTime := len(next) == 1 && ran(next[0]) && next[0].Start != nil &&
			next[0].Start.Sub(time.Unix(last+every, 0)) <= time.Second
		oneLate := len(late) == 1 && (late[0] == last || late[0] == last+every)
		if !oneLate && (len(late) != 0 || !nextOnTime) {
			t.Errorf("latest: late runs of ticks %v, want exactly one, of the latest tick due at start-up (%d or %d), or none if %d ran on time", late, last, last+every, last+every)
		}
	case "none":
		if len(late) != 0 {
			t.Errorf("none: late runs of ticks %v, want none", late)
		}
	}
	for _, s := range gap {
		if len(late) == 1 && s == late[0] {
			continue
		}
		if rec := after[s][0]; rec.Outcome != "missed" {
			t.Errorf("%s: tick %d due while down is %s, want missed", job, s, rec.Outcome)
		}
	}
	// The emulator: at most one write per tick; a tick recorded ended ok
	// before the read wrote exactly once; a tick written ran.
	e.checkOnce(job)
	for _, s := range ticks {
		n := len(writes[s])
		switch rec := after[s][0]; {
		case len(before[s]) == 1 && before[s][0].Outcome == "ok" && n != 1:
			t.Errorf("%s: tick %d ran ok but wrote %d times", job, s, n)
		case !ran(rec) && n != 0:
			t.Errorf("%s: tick %d is %s but wrote %d times", job, s, rec.Outcome, n)
		}
	}
	for s, nodes := range writes {
		if s > stopped.Unix() && (len(after[s]) == 0 || !ran(after[s][0])) {
			t.Errorf("%s: tick %d written (on %v) with no record of a run: %+v", job, s, nodes, after[s])
		}
	}
}

// byTick groups the records of scheduled runs by their tick (unix second).
func byTick(recs []record) map[int64][]record {
	out := map[int64][]record{}
	for _, r := range recs {
		if r.Scheduled != nil {
			s := r.Scheduled.Unix()
			out[s] = append(out[s], r)
		}
	}
	return out
}

// sleepUntilPhase sleeps until the wall clock is frac of the way into a
// period of every seconds.
func sleepUntilPhase(every int, frac float64) {
	p := time.Duration(every) * time.Second
	now := time.Now()
	target := now.Truncate(p).Add(time.Duration(frac * float64(p)))
	if !target.After(now) {
		target = target.Add(p)
	}
	time.Sleep(time.Until(target))
}
