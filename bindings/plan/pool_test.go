package plan

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// sender is a Send function over plain Go values: it answers every request
// with its key, fails the keys in fail, and records the most requests it saw
// in flight at once.
type sender struct {
	fail     map[string]bool
	inflight atomic.Int32
	peak     atomic.Int32
	mu       sync.Mutex
	sent     []string
}

func (s *sender) send(ctx context.Context, r *Request) (json.RawMessage, error) {
	n := s.inflight.Add(1)
	defer s.inflight.Add(-1)
	for {
		p := s.peak.Load()
		if n <= p || s.peak.CompareAndSwap(p, n) {
			break
		}
	}
	time.Sleep(time.Millisecond)
	s.mu.Lock()
	s.sent = append(s.sent, r.Key)
	s.mu.Unlock()
	if s.fail[r.Key] {
		return nil, errors.New("failed " + r.Key)
	}
	return json.RawMessage(`"` + r.Key + `"`), nil
}

func TestPoolRun(t *testing.T) {
	s := &sender{fail: map[string]bool{"t3.1": true}}
	p := Pool{Send: s.send}
	const n, conc = 40, 4
	produced, finished := 0, map[int]*Task{}
	stopped := p.Run(context.Background(), Size(conc, n), func() *Task {
		if produced == n {
			return nil
		}
		produced++
		i := produced - 1
		return &Task{Idx: i, Reqs: []*Request{{Key: fmt.Sprintf("t%d.0", i)}, {Key: fmt.Sprintf("t%d.1", i)}, {Key: fmt.Sprintf("t%d.2", i)}}}
	}, func(t *Task) { finished[t.Idx] = t })
	if stopped {
		t.Fatal("Run stopped without cancellation")
	}
	if len(finished) != n {
		t.Fatalf("%d tasks finished, want %d", len(finished), n)
	}
	for i, task := range finished {
		if i == 3 {
			if task.Done != 1 || task.Failed == nil || task.Failed.Key != "t3.1" || task.Err == nil || string(task.Reply) != `"t3.0"` {
				t.Errorf("failing task: done %d, failed %+v, err %v, reply %s", task.Done, task.Failed, task.Err, task.Reply)
			}
			continue
		}
		if task.Done != 3 || task.Err != nil || string(task.Reply) != fmt.Sprintf(`"t%d.2"`, i) {
			t.Errorf("task %d: done %d, err %v, reply %s", i, task.Done, task.Err, task.Reply)
		}
	}
	for _, k := range s.sent {
		if k == "t3.2" {
			t.Error("the request after a failure was sent")
		}
	}
	if peak := s.peak.Load(); peak > conc || peak < 2 {
		t.Errorf("peak in flight %d, want 2..%d", peak, conc)
	}
}

func TestPoolStopsWhenContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p := Pool{Send: func(ctx context.Context, r *Request) (json.RawMessage, error) {
		<-ctx.Done() // every request hangs until the run ends
		return nil, ctx.Err()
	}}
	produced, cancelled := 0, 0
	var finished []*Task
	stopped := p.Run(ctx, 2, func() *Task {
		produced++
		if produced == 4 {
			cancel()
		}
		return &Task{Idx: produced, Reqs: []*Request{{Target: "T", Key: "k"}}}
	}, func(t *Task) {
		finished = append(finished, t)
		if t.Done == 0 && errors.Is(t.Err, context.Canceled) {
			cancelled++
		}
	})
	if !stopped {
		t.Fatal("Run did not report that it stopped")
	}
	if produced > 5 {
		t.Errorf("%d tasks produced after the context ended", produced)
	}
	if cancelled == 0 || cancelled != len(finished) {
		t.Errorf("%d of %d finished tasks cancelled", cancelled, len(finished))
	}
}

func TestPoolSize(t *testing.T) {
	for _, tt := range []struct{ conc, n, want int }{{16, 0, 1}, {16, 3, 3}, {4, 100, 4}, {0, 5, 1}} {
		if got := Size(tt.conc, tt.n); got != tt.want {
			t.Errorf("Size(%d, %d) = %d, want %d", tt.conc, tt.n, got, tt.want)
		}
	}
}
