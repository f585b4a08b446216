package plan

import (
	"context"
	"encoding/json"
	"errors"
	"sync"

	"github.com/soracron/soracron/sora"
)

// Task is a unit of work of a Pool: requests sent one after the other (the
// writes of one connection), stopping at the first failure.
type Task struct {
	// Idx is the caller's index of the task (a request's position).
	Idx int
	// Reqs are the requests to send, in order.
	Reqs []*Request

	// Reply is the reply of the last request that succeeded.
	Reply json.RawMessage
	// Done counts the requests that succeeded.
	Done int
	// Err is the first failure; Failed the request that failed.
	Err    error
	Failed *Request
}

// Pool sends tasks from a pool of goroutines with Send.
type Pool struct {
	// Send sends one request and returns its reply. It is called from the
	// pool's goroutines, concurrently.
	Send func(ctx context.Context, r *Request) (json.RawMessage, error)
	// DoneOnPanic makes Run pass the tasks in flight to done also when
	// next or done panics (they end cancelled), so that done, which must
	// then not use an LState, accounts for every task.
	DoneOnPanic bool
}

// Execute sends t's requests one after the other, stopping at the first
// failure. A task whose ctx has already ended is not sent: it fails as
// cancelled.
func (p Pool) Execute(ctx context.Context, t *Task) {
	if ctx.Err() != nil {
		// Queued before the context ended: never sent, not a failed call.
		t.Cancel(ctx)
		return
	}
	for _, r := range t.Reqs {
		raw, err := p.Send(ctx, r)
		if err != nil {
			t.Err, t.Failed = err, r
			return
		}
		t.Reply = raw
		t.Done++
	}
}

// Cancel marks t as not sent because ctx ended: its error matches
// ErrNotSent.
func (t *Task) Cancel(ctx context.Context) {
	r := t.Reqs[0]
	t.Err, t.Failed = &sora.TransportError{Target: r.Target, Err: notSent{context.Cause(ctx)}}, r
}

// NotSent returns the error of a request never sent because ctx ended: it
// reads as ctx's cause and matches ErrNotSent.
func NotSent(ctx context.Context) error { return notSent{context.Cause(ctx)} }

// ErrNotSent is matched by the error of a task that was never sent because
// the run ended first (errors.Is).
var ErrNotSent = errors.New("not sent: the run ended first")

// notSent is the error of a task never sent: it reads as the context's
// cause and matches ErrNotSent.
type notSent struct{ cause error }

func (e notSent) Error() string        { return e.cause.Error() }
func (e notSent) Unwrap() error        { return e.cause }
func (e notSent) Is(target error) bool { return target == ErrNotSent }

// Run sends tasks on conc goroutines. next (called on the calling goroutine)
// produces the tasks, nil when there are no more; done (also called on the
// calling goroutine) receives each finished task, so both may use state of
// the caller's goroutine (an LState). Up to conc tasks are queued ahead.
// When ctx ends, Run stops producing, passes a task already produced to done
// as cancelled, waits for the requests in flight (which end with ctx) and
// returns true. A panic in next or done (a Lua error) cancels the requests
// in flight and waits for them before it propagates.
func (p Pool) Run(parent context.Context, conc int, next func() *Task, done func(*Task)) (stopped bool) {
	ctx, cancel := context.WithCancel(parent)
	jobs := make(chan *Task, conc)
	results := make(chan *Task, conc)
	var wg sync.WaitGroup
	wg.Add(conc)
	for range conc {
		go func() {
			defer wg.Done()
			for t := range jobs {
				p.Execute(ctx, t)
				results <- t
			}
		}()
	}
	defer func() {
		// Normally nothing is in flight here; after a panic unwinding
		// through us requests may be, so cancel them and drain results
		// until every worker has exited.
		cancel()
		close(jobs)
		go func() {
			wg.Wait()
			close(results)
		}()
		for t := range results {
			if p.DoneOnPanic {
				done(t)
			}
		}
	}()

	var pending *Task
	exhausted, inflight := false, 0
	ctxDone := parent.Done()
	for {
		// Produce no task once parent has ended, even before the select
		// below notices it: next may run Lua, which would raise.
		if pending == nil && !exhausted && !stopped && parent.Err() == nil {
			if pending = next(); pending == nil {
				exhausted = true
			}
		}
		if pending == nil && inflight == 0 && (exhausted || stopped) {
			return stopped
		}
		var send chan<- *Task
		if pending != nil {
			send = jobs
		}
		select {
		case send <- pending:
			inflight++
			pending = nil
		case t := <-results:
			inflight--
			done(t)
		case <-ctxDone:
			stopped, ctxDone = true, nil
			if pending != nil {
				pending.Cancel(parent)
				done(pending)
				pending = nil
			}
		}
	}
}

// Size is the number of goroutines for n tasks at concurrency conc.
func Size(conc, n int) int {
	return max(1, min(conc, n))
}
