package cluster_test

import (
	"testing"
	"time"
)

// TestThreeReplicasExactlyOnce: three replicas, every tick runs exactly
// once (no duplicate, no gap) over ticks(t) ticks.
func TestThreeReplicasExactlyOnce(t *testing.T) {
	n := ticks(t)
	e := newEnv(t, 3*time.Second, job("tick", 0, ""))
	rs := []*replica{e.start("a", true), e.start("b", true), e.start("c", true)}
	start := time.Now().Unix() + 2 // every replica is up by then
	time.Sleep(time.Duration(n+3) * time.Second)
	for _, r := range rs {
		r.stop(t)
	}
	secs := e.checkOnce("tick")
	byNode := map[string]int{}
	for s, nodes := range e.runsByTick("tick") {
		if s >= start && s < start+int64(n) {
			byNode[nodes[0]]++
		}
	}
	for s := start; s < start+int64(n); s++ {
		if len(e.runsByTick("tick")[s]) == 0 {
			t.Errorf("tick %d did not run (ran: %v)", s, secs)
		}
	}
	t.Logf("%d ticks from %d: runs by node %v", n, start, byNode)
}
