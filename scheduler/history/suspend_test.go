package history

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

func TestSuspendedSurvivesReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "state.db")
	s := openStore(t, path, Options{})
	at := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, job := range []string{"a", "b"} {
		if err := s.Suspend(ctx, job, at); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Suspend(ctx, "a", at.Add(time.Hour)); err != nil { // keeps the first time
		t.Fatal(err)
	}
	if err := s.Resume(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	if err := s.Resume(ctx, "never"); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openStore(t, path, Options{})
	got, err := s.Suspended(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || !got["a"].Equal(at) {
		t.Errorf("suspended after reopen = %v, want a since %v", got, at)
	}
}

func TestLastSuccess(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, filepath.Join(t.TempDir(), "state.db"), Options{})
	t0 := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	for i, o := range []Outcome{OutcomeOK, OutcomeOK, OutcomeFailed} {
		id, err := s.Begin(ctx, Run{Job: "j", Trigger: TriggerManual, Start: t0.Add(time.Duration(i) * time.Minute)})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Finish(ctx, Run{ID: id, Outcome: o, End: t0.Add(time.Duration(i)*time.Minute + time.Second)}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.LastSuccess(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := t0.Add(time.Minute + time.Second); len(got) != 1 || !got["j"].Equal(want) {
		t.Errorf("LastSuccess = %v, want j at %v", got, want)
	}
}
