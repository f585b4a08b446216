package eventq

import (
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"
)

// rig is a Queue whose hooks record what they were asked.
type rig struct {
	q           *Queue
	wg          sync.WaitGroup
	mu          sync.Mutex
	counts      map[string]int // result -> count
	started     []string       // "job/event id", in start order
	release     map[string]chan struct{}
	unavailable error
}

// newRig returns a queue on which every event runs the jobs, with limit.
func newRig(jobs []string, limit int) *rig {
	r := &rig{counts: map[string]int{}, release: map[string]chan struct{}{}}
	r.q = New(Hooks{
		Match: func(ev *Event) ([]string, int) {
			if ev.Type == "other" {
				return nil, limit
			}
			return jobs, limit
		},
		Unavailable: func() error { return r.unavailable },
		Start: func(job string, ev *Event) <-chan struct{} {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.started = append(r.started, job+"/"+ev.ID)
			return r.release[job+"/"+ev.ID] // nil: not started, or ended at once
		},
		Go: func(f func()) {
			r.wg.Add(1)
			go func() { defer r.wg.Done(); f() }()
		},
		Count: func(_, result string) { r.mu.Lock(); r.counts[result]++; r.mu.Unlock() },
		Depth: func(int) {},
	})
	return r
}

func ev(conn, id string) Event {
	return Event{Type: "connection.created", ChannelID: "sora", ConnectionID: conn, ID: id}
}

func TestKey(t *testing.T) {
	tests := []struct {
		name string
		ev   Event
		want string
	}{
		{"id", Event{Type: "a", ChannelID: "c", ConnectionID: "x", ID: "1", Timestamp: "t"}, "a\x00c\x00x\x001"},
		{"timestamp without id", Event{Type: "a", ChannelID: "c", ConnectionID: "x", Timestamp: "t"}, "a\x00c\x00x\x00t"},
		{"neither", Event{Type: "a", ChannelID: "c", ConnectionID: "x"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.ev.Key(); got != tt.want {
				t.Errorf("Key() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestAdd(t *testing.T) {
	t.Run("duplicates are ignored, events without id are not", func(t *testing.T) {
		r := newRig([]string{"j"}, 10)
		if err := r.q.Add(ev("c1", "E1")); err != nil {
			t.Fatal(err)
		}
		if err := r.q.Add(ev("c1", "E1")); !errors.Is(err, ErrDuplicate) {
			t.Errorf("second delivery: %v, want ErrDuplicate", err)
		}
		for range 2 {
			if err := r.q.Add(ev("c1", "")); err != nil {
				t.Errorf("event without id: %v", err)
			}
		}
		r.wg.Wait()
		if r.counts[Accepted] != 3 || r.counts[Duplicate] != 1 || r.q.Pending() != 0 {
			t.Errorf("counts %v, pending %d", r.counts, r.q.Pending())
		}
	})
	t.Run("no job: accepted and forgotten", func(t *testing.T) {
		r := newRig([]string{"j"}, 10)
		e := ev("c1", "E1")
		e.Type = "other"
		for range 2 {
			if err := r.q.Add(e); err != nil {
				t.Fatal(err)
			}
		}
		if r.counts[NoJob] != 2 || len(r.started) != 0 {
			t.Errorf("counts %v, started %v", r.counts, r.started)
		}
	})
	t.Run("unavailable: refused and not remembered", func(t *testing.T) {
		r := newRig([]string{"j"}, 10)
		down := errors.New("no session")
		r.unavailable = down
		if err := r.q.Add(ev("c1", "E1")); !errors.Is(err, down) {
			t.Fatalf("err %v, want %v", err, down)
		}
		r.unavailable = nil
		if err := r.q.Add(ev("c1", "E1")); err != nil {
			t.Errorf("retry: %v, want accepted", err)
		}
		r.wg.Wait()
		if r.counts[Unavailable] != 1 || r.counts[Accepted] != 1 {
			t.Errorf("counts %v", r.counts)
		}
	})
	t.Run("full: refused until the runs end, not remembered", func(t *testing.T) {
		r := newRig([]string{"j"}, 2)
		hold := make(chan struct{})
		r.release["j/E1"] = hold
		for _, id := range []string{"E1", "E2"} {
			if err := r.q.Add(ev("c1", id)); err != nil {
				t.Fatal(err)
			}
		}
		err := r.q.Add(ev("c1", "E3"))
		if !errors.Is(err, ErrQueueFull) || err.Error() != "event queue full (2 events waiting)" {
			t.Errorf("third event: %v", err)
		}
		close(hold)
		r.wg.Wait()
		if err := r.q.Add(ev("c1", "E3")); err != nil {
			t.Errorf("third event again: %v", err)
		}
		r.wg.Wait()
		if r.counts[Rejected] != 1 || r.counts[Accepted] != 3 {
			t.Errorf("counts %v", r.counts)
		}
	})
}

func TestLanes(t *testing.T) {
	t.Run("one connection: in order, each after the previous ended", func(t *testing.T) {
		r := newRig([]string{"a", "b"}, 10)
		hold := make(chan struct{})
		r.release["a/E1"] = hold
		for _, id := range []string{"E1", "E2"} {
			if err := r.q.Add(ev("c1", id)); err != nil {
				t.Fatal(err)
			}
		}
		// E1's job a holds the lane: nothing else starts on it.
		r.mu.Lock()
		for len(r.started) == 0 {
			r.mu.Unlock()
			time.Sleep(time.Millisecond)
			r.mu.Lock()
		}
		if !slices.Equal(r.started, []string{"a/E1"}) {
			t.Errorf("started %v while a/E1 runs", r.started)
		}
		r.mu.Unlock()
		if n := r.q.Pending(); n != 2 {
			t.Errorf("pending %d, want 2", n)
		}
		close(hold)
		r.wg.Wait()
		if want := []string{"a/E1", "b/E1", "a/E2", "b/E2"}; !slices.Equal(r.started, want) {
			t.Errorf("started %v, want %v", r.started, want)
		}
	})
	t.Run("connections apart do not wait for each other", func(t *testing.T) {
		r := newRig([]string{"a"}, 10)
		hold := make(chan struct{})
		r.release["a/E1"] = hold
		if err := r.q.Add(ev("c1", "E1")); err != nil {
			t.Fatal(err)
		}
		if err := r.q.Add(ev("c2", "E2")); err != nil {
			t.Fatal(err)
		}
		for r.q.Pending() != 1 {
			time.Sleep(time.Millisecond)
		}
		close(hold)
		r.wg.Wait()
		if r.q.Pending() != 0 {
			t.Errorf("pending %d", r.q.Pending())
		}
	})
}

func TestDedupForgetsTheOldest(t *testing.T) {
	r := newRig([]string{"j"}, dedupKeep+2)
	for i := range dedupKeep + 1 {
		if err := r.q.Add(ev("c1", fmt.Sprint(i))); err != nil {
			t.Fatal(err)
		}
	}
	r.wg.Wait()
	if err := r.q.Add(ev("c1", "1")); !errors.Is(err, ErrDuplicate) {
		t.Errorf("event 1: %v, want ErrDuplicate", err)
	}
	if err := r.q.Add(ev("c1", "0")); err != nil {
		t.Errorf("event 0, forgotten: %v, want accepted", err)
	}
	r.wg.Wait()
}

// TestOneRunnerPerLane adds events to one connection while its runs end at
// once, so that an event often arrives just as the lane's runner has taken
// the last task off: every event must start exactly once, in order (a
// second runner on the lane would start a task twice, or take from an empty
// lane).
func TestOneRunnerPerLane(t *testing.T) {
	r := newRig([]string{"j"}, 100000)
	const n = 2000
	for i := range n {
		if err := r.q.Add(ev("c1", fmt.Sprint(i))); err != nil {
			t.Fatal(err)
		}
		if i%7 == 0 {
			runtime.Gosched()
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for r.q.Pending() > 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	r.wg.Wait()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.started) != n {
		t.Fatalf("%d starts for %d events", len(r.started), n)
	}
	for i, s := range r.started {
		if want := "j/" + fmt.Sprint(i); s != want {
			t.Fatalf("start %d is %s, want %s", i, s, want)
		}
	}
}
