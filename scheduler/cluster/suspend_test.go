package cluster_test

import (
	"context"
	"maps"
	"testing"
	"time"
)

// TestSuspensions: a suspension written through one replica is seen by the
// watch of another, keeps its first time, and goes with the resume.
func TestSuspensions(t *testing.T) {
	a, b := open(t, "a", nil), open(t, "b", nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	seen := make(chan map[string]time.Time, 16)
	done := make(chan struct{})
	go func() {
		defer close(done)
		b.WatchSuspensions(ctx, func(m map[string]time.Time) { seen <- m })
	}()
	next := func(what string) map[string]time.Time {
		t.Helper()
		select {
		case m := <-seen:
			return m
		case <-time.After(20 * time.Second):
			t.Fatalf("no suspensions seen: %s", what)
			return nil
		}
	}
	if m := next("initial"); len(m) != 0 {
		t.Fatalf("initial suspensions %v", m)
	}
	t0 := time.Date(2026, 12, 7, 6, 0, 0, 0, time.UTC)
	for _, st := range []struct {
		name string
		do   func() error
		want map[string]time.Time
	}{
		{"suspend x", func() error { _, err := a.Suspend(ctx, "x", t0); return err }, map[string]time.Time{"x": t0}},
		{"suspend y", func() error { _, err := a.Suspend(ctx, "y", t0.Add(time.Hour)); return err },
			map[string]time.Time{"x": t0, "y": t0.Add(time.Hour)}},
		{"resume x", func() error { return b.Resume(ctx, "x") }, map[string]time.Time{"y": t0.Add(time.Hour)}},
	} {
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if m := next(st.name); !maps.EqualFunc(m, st.want, time.Time.Equal) {
			t.Errorf("%s: watch saw %v, want %v", st.name, m, st.want)
		}
	}
	since, err := b.Suspend(ctx, "y", t0.Add(2*time.Hour))
	if err != nil || !since.Equal(t0.Add(time.Hour)) {
		t.Errorf("suspending a suspended job: %s, %v; want its first time %s", since, err, t0.Add(time.Hour))
	}
	m, _, err := a.Suspensions(ctx)
	if err != nil || !maps.EqualFunc(m, map[string]time.Time{"y": t0.Add(time.Hour)}, time.Time.Equal) {
		t.Errorf("Suspensions = %v, %v", m, err)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("WatchSuspensions did not return when its context ended")
	}
}
