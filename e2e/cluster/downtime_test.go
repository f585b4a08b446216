package cluster_test

import (
	"fmt"
	"slices"
	"sort"
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
	rs = rs[:0]
	for _, n := range names {
		rs = append(rs, e.start(n, clustered))
	}
	time.Sleep(time.Duration(2*every) * time.Second)
	for _, job := range []string{"latest", "none"} {
		recs := rs[0].runs(t, "job="+job)
		byTick := map[int64][]record{}
		// decided is when the first replica back decided the ticks due
		// while down (the earliest start of their records).
		var decided time.Time
		for _, r := range recs {
			if r.Scheduled != nil && r.Scheduled.After(stopped) && r.Start != nil &&
				(decided.IsZero() || r.Start.Before(decided)) {
				decided = *r.Start
			}
		}
		var gap []int64 // ticks due before the replicas were back
		for _, r := range recs {
			if r.Scheduled == nil {
				continue // the count of older missed ticks, if any
			}
			s := r.Scheduled.Unix()
			byTick[s] = append(byTick[s], r)
		}
		var all []int64
		for s := range byTick {
			all = append(all, s)
		}
		sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
		for i, s := range all {
			if len(byTick[s]) != 1 {
				t.Errorf("%s: tick %d decided %d times: %+v", job, s, len(byTick[s]), byTick[s])
			}
			if i > 0 && s-all[i-1] != every {
				t.Errorf("%s: no record of the ticks between %d and %d", job, all[i-1], s)
			}
			if s > stopped.Unix() && !time.Unix(s, 0).After(decided) {
				gap = append(gap, s)
			}
		}
		ran, missedN := 0, 0
		var ranTick int64
		for _, s := range gap {
			switch o := byTick[s][0].Outcome; o {
			case "ok", "running":
				ran++
				ranTick = s
			case "missed":
				missedN++
			default:
				t.Errorf("%s: tick %d %s", job, s, o)
			}
		}
		t.Logf("%s: %d ticks due while down: %d ran (tick %d), %d missed", job, len(gap), ran, ranTick, missedN)
		if len(gap) < 5 {
			t.Errorf("%s: only %d ticks while down", job, len(gap))
		}
		if len(gap) == 0 {
			continue
		}
		last := gap[len(gap)-1]
		onTime := decided.Sub(time.Unix(last, 0)) <= time.Second // then it runs whatever catch_up says
		switch {
		case job == "latest" || onTime:
			if ran != 1 || ranTick != last {
				t.Errorf("%s: %d of the missed ticks ran (tick %d), want the latest one (%d) once", job, ran, ranTick, last)
			}
		default:
			if ran != 0 {
				t.Errorf("none: %d missed ticks ran, want none", ran)
			}
		}
		// The emulator saw as many runs as the records say, none twice
		// (runs may start and end between the reads: the count of the
		// emulator is between the runs recorded ended before it and the
		// runs recorded started after it; a run recorded running may not
		// have written yet).
		e.checkOnce(job)
		runs := 0
		for _, nodes := range e.runsByTick(job) {
			runs += len(nodes)
		}
		count := func(recs []record, outcomes ...string) int {
			n := 0
			for _, r := range recs {
				if r.Scheduled != nil && slices.Contains(outcomes, r.Outcome) {
					n++
				}
			}
			return n
		}
		if before, after := count(recs, "ok"), count(rs[0].runs(t, "job="+job), "ok", "running"); runs < before || runs > after {
			t.Errorf("%s: %d runs in the emulator, %d ended records before, %d started after", job, runs, before, after)
		}
	}
	for _, r := range rs {
		r.stop(t)
	}
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
