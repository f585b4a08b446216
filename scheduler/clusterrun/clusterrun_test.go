package clusterrun

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/soracron/soracron/internal/clocktest"
	"github.com/soracron/soracron/jobs"
	"github.com/soracron/soracron/scheduler/clock"
	"github.com/soracron/soracron/scheduler/cluster"
	"github.com/soracron/soracron/scheduler/history"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// fakeClock is the shared fake clock as a clock.Clock.
type fakeClock struct{ *clocktest.Clock }

// NewTimer returns a timer of the fake clock as a clock.Timer.
func (c fakeClock) NewTimer(d time.Duration) clock.Timer { return c.Clock.NewTimer(d) }

func at(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }

func TestPolicy(t *testing.T) {
	tests := []struct {
		name string
		p    jobs.Policy
		want cluster.Policy
	}{
		{"allow", jobs.Allow, cluster.Allow},
		{"replace", jobs.Replace, cluster.Replace},
		{"forbid", jobs.Forbid, cluster.Forbid},
		{"unset", "", cluster.Forbid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Policy(&jobs.Job{ConcurrencyPolicy: tt.p}); got != tt.want {
				t.Errorf("Policy = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestRequests(t *testing.T) {
	j := &jobs.Job{Name: "j", ConcurrencyPolicy: jobs.Allow}
	tests := []struct {
		name string
		got  cluster.ClaimRequest
		want cluster.ClaimRequest
	}{
		{"tick", TickRequest(j, at(0), "", false), cluster.ClaimRequest{Job: "j", Trigger: history.TriggerSchedule,
			Scheduled: at(0), Policy: cluster.Allow}},
		{"missed take-over", TickRequest(j, at(0), "too late", true), cluster.ClaimRequest{Job: "j",
			Trigger: history.TriggerSchedule, Scheduled: at(0), Policy: cluster.Allow, Miss: true, Reason: "too late",
			IfUndecided: true}},
		{"early", NewEarly(j, at(5)).Request(), cluster.ClaimRequest{Job: "j", Trigger: history.TriggerSchedule,
			Scheduled: at(5), Policy: cluster.Allow, Early: true}},
		{"manual", ManualRequest(j), cluster.ClaimRequest{Job: "j", Trigger: history.TriggerManual,
			Policy: cluster.Allow}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("request = %+v, want %+v", tt.got, tt.want)
			}
		})
	}
}

func TestOutcomes(t *testing.T) {
	tests := []struct {
		name string
		got  cluster.Outcome
		want cluster.Outcome
	}{
		{"finished", Finished(history.Run{ID: 7, Outcome: history.OutcomeOK, End: at(9), Calls: 3, Writes: 1}),
			cluster.Outcome{State: "ok", End: at(9), Calls: 3, Writes: 1, RunID: 7}},
		{"no outcome", Finished(history.Run{ID: 8, Error: "x"}), cluster.Outcome{State: "cancelled", Error: "x", RunID: 8}},
		{"not started", NotStarted("stopping"), cluster.Outcome{State: "cancelled", Error: "not started: stopping"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("outcome = %+v, want %+v", tt.got, tt.want)
			}
		})
	}
}

func TestDecide(t *testing.T) {
	tests := []struct {
		name string
		cl   *cluster.Claim
		err  error
		want Action
	}{
		{"taken", nil, fmt.Errorf("claim: %w", cluster.ErrTaken), Taken},
		{"failed", nil, errors.New("etcd down"), Failed},
		{"run", &cluster.Claim{State: cluster.StateRunning}, nil, Start},
		{"skipped", &cluster.Claim{State: cluster.StateSkipped}, nil, Skip},
		{"missed", &cluster.Claim{State: cluster.StateMissed}, nil, Miss},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Decide(tt.cl, tt.err); got != tt.want {
				t.Errorf("Decide = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestMissedBefore(t *testing.T) {
	j := &jobs.Job{Name: "j", Schedule: cron.Every(10 * time.Second)}
	tests := []struct {
		name      string
		prev      time.Time
		wantTicks []time.Time
		wantOK    bool
	}{
		{"no previous tick", time.Time{}, nil, false},
		{"epoch", time.Unix(0, 0), nil, false},
		{"previous tick", at(0), nil, true},
		{"three missed", at(-30000), []time.Time{at(-20000), at(-10000), at(0)}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ticks, total, ok := MissedBefore(j, &cluster.Claim{Prev: tt.prev}, at(10000))
			if ok != tt.wantOK || total != len(tt.wantTicks) || !slices.EqualFunc(ticks, tt.wantTicks, time.Time.Equal) {
				t.Errorf("MissedBefore = %v, %d, %v; want %v, %d, %v", ticks, total, ok, tt.wantTicks,
					len(tt.wantTicks), tt.wantOK)
			}
		})
	}
}

func TestLostRun(t *testing.T) {
	tests := []struct {
		name        string
		rec         cluster.Record
		wantTrigger string
		wantError   string
	}{
		{"scheduled", cluster.Record{Job: "j", Trigger: history.TriggerSchedule, Node: "n1", Error: "lost"},
			history.TriggerSchedule, "lost (its logs, if any, are in the history of node n1)"},
		{"rerun of a rerun", cluster.Record{Job: "j", Trigger: "rerun", Error: "lost"}, history.TriggerSchedule, "lost"},
		{"manual", cluster.Record{Job: "j", Trigger: history.TriggerManual}, history.TriggerManual, ""},
		{"event", cluster.Record{Job: "j", Trigger: history.TriggerEvent}, history.TriggerEvent, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.rec.Scheduled, tt.rec.Start, tt.rec.End = at(0), at(1), at(2)
			r := LostRun(tt.rec)
			want := history.Run{Job: "j", Trigger: tt.wantTrigger, Attempt: 1, Scheduled: at(0), Start: at(1), End: at(2),
				Outcome: history.OutcomeInterrupted, Error: tt.wantError}
			if fmt.Sprint(r) != fmt.Sprint(want) {
				t.Errorf("LostRun = %+v, want %+v", r, want)
			}
		})
	}
}

func TestEarlyTiming(t *testing.T) {
	tests := []struct {
		name      string
		prev, now time.Time
		busy      bool
		wantClaim bool
		wantWait  time.Duration
	}{
		{"too soon", at(-10000), at(0), false, false, 9500 * time.Millisecond},
		{"time", at(-10000), at(9500), false, true, 0},
		{"short interval: half", at(9000), at(9400), false, false, 100 * time.Millisecond},
		{"busy: retry", at(-10000), at(9600), true, false, EarlyRetry},
		{"busy, tick close", at(-10000), at(9970), true, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			claim, wait := EarlyTiming(tt.prev, at(10000), tt.now, tt.busy)
			if claim != tt.wantClaim || wait != tt.wantWait {
				t.Errorf("EarlyTiming = %v, %v; want %v, %v", claim, wait, tt.wantClaim, tt.wantWait)
			}
		})
	}
}

func TestEarly(t *testing.T) {
	j := &jobs.Job{Name: "j"}
	tests := []struct {
		name        string
		cl          *cluster.Claim
		err         error
		wantDecided bool
		wantUnused  bool
	}{
		{"won", &cluster.Claim{State: cluster.StateRunning}, nil, true, true},
		{"won, skipped", &cluster.Claim{State: cluster.StateSkipped}, nil, true, false},
		{"taken", nil, cluster.ErrTaken, true, false},
		{"busy", nil, errors.New("busy"), false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := NewEarly(j, at(0))
			go e.Settle(tt.cl, tt.err)
			cl, err := e.Wait()
			if cl != tt.cl || !errors.Is(err, tt.err) || Decided(err) != tt.wantDecided {
				t.Errorf("Wait = %v, %v (decided %v); want %v, %v (decided %v)", cl, err, Decided(err), tt.cl, tt.err,
					tt.wantDecided)
			}
			if got := e.Unused(); (got != nil) != tt.wantUnused || (got != nil && got != tt.cl) {
				t.Errorf("Unused = %v, want one: %v", got, tt.wantUnused)
			}
		})
	}
}

func TestTakeOver(t *testing.T) {
	type item struct {
		name  string
		after time.Duration
	}
	items := []item{{"c", 2 * time.Second}, {"a", time.Second}, {"b", time.Second}, {"d", 3 * time.Second}}
	after := func(it item) time.Duration { return it.after }
	t.Run("groups by delay, shortest first", func(t *testing.T) {
		if got := TakeOverDelay(2, 3*time.Second); got != 6*time.Second {
			t.Errorf("TakeOverDelay(2, 3s) = %v, want 6s", got)
		}
		c := fakeClock{clocktest.New(t0)}
		var mu sync.Mutex
		var groups []string
		done := make(chan struct{})
		go func() {
			defer close(done)
			TakeOver(c, nil, slices.Clone(items), after, func(g []item) {
				mu.Lock()
				defer mu.Unlock()
				s := ""
				for _, it := range g {
					s += it.name
				}
				groups = append(groups, s)
			}, func(item) { t.Error("dropped without a stop") })
		}()
		for range 3 {
			c.WaitTimers(t, 1)
			c.Advance(time.Second)
		}
		<-done
		if want := []string{"ab", "c", "d"}; !slices.Equal(groups, want) {
			t.Errorf("groups = %v, want %v", groups, want)
		}
	})
	t.Run("stop drops the rest", func(t *testing.T) {
		c := fakeClock{clocktest.New(t0)}
		stop := make(chan struct{})
		var mu sync.Mutex
		var claimed, dropped []string
		done := make(chan struct{})
		go func() {
			defer close(done)
			TakeOver(c, stop, slices.Clone(items), after, func(g []item) {
				mu.Lock()
				defer mu.Unlock()
				for _, it := range g {
					claimed = append(claimed, it.name)
				}
			}, func(it item) {
				mu.Lock()
				defer mu.Unlock()
				dropped = append(dropped, it.name)
			})
		}()
		c.WaitTimers(t, 1)
		c.Advance(time.Second)
		c.WaitTimers(t, 1)
		close(stop)
		<-done
		if !slices.Equal(claimed, []string{"a", "b"}) || !slices.Equal(dropped, []string{"c", "d"}) {
			t.Errorf("claimed %v, dropped %v; want [a b], [c d]", claimed, dropped)
		}
	})
}

func TestEventIdentity(t *testing.T) {
	tests := []struct {
		name      string
		timestamp string
		want      time.Time
	}{
		{"RFC 3339", "2026-01-01T00:00:00.5Z", at(500)},
		{"no timestamp", "", time.Time{}},
		{"not RFC 3339", "yesterday", time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := EventIdentity("k", tt.timestamp)
			if id.Key != "k" || !id.At.Equal(tt.want) {
				t.Errorf("EventIdentity = %+v, want key k at %v", id, tt.want)
			}
		})
	}
}

func TestPending(t *testing.T) {
	a, b := &jobs.Job{Name: "a"}, &jobs.Job{Name: "b"}
	tests := []struct {
		name      string
		now       time.Time
		all       bool
		gone      string
		wantStale []string
	}{
		{"none due", at(0), false, "", nil},
		{"a's tick passed", at(1000), false, "", []string{"a"}},
		{"b removed", at(0), false, "b", []string{"b"}},
		{"stopping", at(0), true, "", []string{"a", "b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Pending{}
			p.Add(NewEarly(a, at(1000)))
			p.Add(NewEarly(b, at(2000)))
			var got []string
			for _, e := range p.Stale(tt.now, tt.all, func(job string) bool { return job == tt.gone }) {
				got = append(got, e.Job.Name)
			}
			slices.Sort(got)
			if !slices.Equal(got, tt.wantStale) || len(p) != 2-len(tt.wantStale) {
				t.Errorf("Stale = %v (%d left), want %v", got, len(p), tt.wantStale)
			}
		})
	}
	t.Run("take", func(t *testing.T) {
		p := Pending{}
		e := NewEarly(a, at(1000))
		p.Add(e)
		if got := p.Take("a", at(2000)); got != nil {
			t.Errorf("Take of another tick = %v, want nil", got)
		}
		if got := p.Take("b", at(1000)); got != nil {
			t.Errorf("Take of another job = %v, want nil", got)
		}
		if got := p.Take("a", at(1000)); got != e || len(p) != 0 {
			t.Errorf("Take = %v (%d left), want the claim, none left", got, len(p))
		}
	})
}
