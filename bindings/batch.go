package bindings

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	lua "github.com/yuin/gopher-lua"

	"github.com/soracron/soracron/sora"
)

// poolTask is a unit of work of the pool: requests sent one after the other
// (the writes of one connection), stopping at the first failure.
type poolTask struct {
	idx  int
	reqs []*soraRequest

	reply  json.RawMessage // reply of the last request that succeeded
	done   int             // requests that succeeded
	err    error           // first failure
	failed *soraRequest    // the request that failed
}

// execute sends t's requests; it runs on a pool goroutine and must not touch
// any LState.
func (s *Sora) execute(ctx context.Context, t *poolTask) {
	if ctx.Err() != nil {
		// Queued before the context ended: never sent, not a failed call.
		t.cancel(ctx)
		return
	}
	for _, r := range t.reqs {
		raw, err := s.client.Call(ctx, r.target, rawBody(r))
		if !r.quiet {
			s.count(r.action, err != nil, r.write && err == nil)
		}
		if err != nil {
			t.err, t.failed = err, r
			return
		}
		t.reply = raw
		t.done++
	}
}

// cancel marks t as not sent because ctx ended.
func (t *poolTask) cancel(ctx context.Context) {
	r := t.reqs[0]
	t.err, t.failed = &sora.TransportError{Target: r.target, Err: context.Cause(ctx)}, r
}

// runTasks sends tasks on conc goroutines. next (called on the calling Lua
// goroutine) produces the tasks, nil when there are no more; done (also
// called on the calling goroutine) receives each finished task, so both may
// use the LState. When ctx ends, runTasks stops producing, passes a task
// already produced to done as cancelled, waits for the requests in flight
// (which end with ctx) and returns true. A Lua error raised by next or done
// cancels the requests in flight and waits for them before it propagates.
func (s *Sora) runTasks(parent context.Context, conc int, next func() *poolTask, done func(*poolTask)) (stopped bool) {
	ctx, cancel := context.WithCancel(parent)
	jobs := make(chan *poolTask, conc)
	results := make(chan *poolTask, conc)
	var wg sync.WaitGroup
	wg.Add(conc)
	for range conc {
		go func() {
			defer wg.Done()
			for t := range jobs {
				s.execute(ctx, t)
				results <- t
			}
		}()
	}
	defer func() {
		// Normally nothing is in flight here; after a Lua error (a panic
		// unwinding through us) requests may be, so cancel them and drain
		// results until every worker has exited.
		cancel()
		close(jobs)
		go func() {
			wg.Wait()
			close(results)
		}()
		for range results {
		}
	}()

	var pending *poolTask
	exhausted, inflight := false, 0
	ctxDone := parent.Done()
	for {
		if pending == nil && !exhausted && !stopped {
			if pending = next(); pending == nil {
				exhausted = true
			}
		}
		if pending == nil && inflight == 0 && (exhausted || stopped) {
			return stopped
		}
		var send chan<- *poolTask
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
				pending.cancel(parent)
				done(pending)
				pending = nil
			}
		}
	}
}

// poolSize is the number of goroutines for n tasks at concurrency conc.
func poolSize(conc, n int) int {
	return max(1, min(conc, n))
}

// sora.batch(requests [, {concurrency = n}]) -> results, summary
//
// Each request is {action = "put_item", channel_id = ..., connection_id =
// ..., key = ..., value = ..., push = bool} (action list, get, put, delete,
// put_item, delete_item; or "call" with target and params). The requests go
// concurrently; results are in request order, each {ok = true, value = ...}
// or {ok = false, err = ...}; summary is {requests, ok, failed}. A request
// not sent because the run's context ended fails with err.type "cancelled"
// (or "timeout"). In a dry run the requests take effect in order, as if sent
// one after the other; only their reads go to the server (concurrently).
func (s *Sora) luaBatch(L *lua.LState) int {
	list := L.CheckTable(1)
	o := s.checkOpts(L, 2, "concurrency")
	n := list.Len()
	reqs := make([]*soraRequest, n)
	for i := range n {
		t, ok := list.RawGetInt(i + 1).(*lua.LTable)
		if !ok {
			L.ArgError(1, fmt.Sprintf("requests[%d] must be a table, got %s", i+1, list.RawGetInt(i+1).Type()))
		}
		reqs[i] = parseRequest(L, 1, fmt.Sprintf("requests[%d]", i+1), t, "")
	}
	ctx := ctxOf(L)
	results := make([]lua.LValue, n)
	if s.overlay != nil {
		s.dryBatch(L, ctx, reqs, o.concurrency, results)
	} else {
		bar := s.newProgress("sora.batch", n)
		i := 0
		s.runTasks(ctx, poolSize(o.concurrency, n), func() *poolTask {
			if i >= n {
				return nil
			}
			i++
			return &poolTask{idx: i - 1, reqs: reqs[i-1 : i]}
		}, func(t *poolTask) {
			var v lua.LValue
			err := t.err
			if err == nil {
				v, err = DecodeJSON(L, t.reply)
			}
			results[t.idx] = resultValue(L, t.reqs[0], v, err)
			bar.add(1, btoi(err != nil))
		})
		bar.close()
	}
	out := L.CreateTable(n, 0)
	ok := 0
	for i, v := range results {
		if v == nil {
			v = resultValue(L, reqs[i], nil, &sora.TransportError{Target: reqs[i].target, Err: context.Cause(ctx)})
		}
		if lua.LVAsBool(v.(*lua.LTable).RawGetString("ok")) {
			ok++
		}
		out.RawSetInt(i+1, v)
	}
	MarkArray(L, out)
	sum := L.CreateTable(0, 3)
	sum.RawSetString("requests", lua.LNumber(n))
	sum.RawSetString("ok", lua.LNumber(ok))
	sum.RawSetString("failed", lua.LNumber(n-ok))
	L.Push(out)
	L.Push(sum)
	return 2
}

// resultValue is one entry of batch's results.
func resultValue(L *lua.LState, r *soraRequest, v lua.LValue, err error) lua.LValue {
	t := L.CreateTable(0, 2)
	if err != nil {
		t.RawSetString("ok", lua.LFalse)
		t.RawSetString("err", errorValue(L, r.op, r.target, err))
		return t
	}
	t.RawSetString("ok", lua.LTrue)
	t.RawSetString("value", v)
	return t
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// dryFetched is a server reply kept for a dry-run batch.
type dryFetched struct {
	raw json.RawMessage
	err error
}

// dryBatch performs a batch in a dry run: first the distinct reads the
// requests need (a connection's metadata, a channel's list, a read-only
// call) go to the server concurrently; then the requests take effect in
// order on the overlay.
func (s *Sora) dryBatch(L *lua.LState, ctx context.Context, reqs []*soraRequest, conc int, results []lua.LValue) {
	var reads []*soraRequest
	conns := map[connKey]*dryFetched{}
	lists := map[string]*dryFetched{}
	calls := map[int]*dryFetched{}
	slot := make([]*dryFetched, 0, len(reqs))
	for i, r := range reqs {
		var f *dryFetched
		var rd *soraRequest
		switch {
		case r.action == actList:
			if f = lists[r.channelID]; f == nil {
				f = &dryFetched{}
				lists[r.channelID] = f
				rd = r
			}
		case isMetadataTarget(r.target):
			k := connKey{r.channelID, r.connectionID}
			if f = conns[k]; f == nil && (r.action == actGet || s.overlay.entry(r.channelID, r.connectionID) == nil) {
				f = &dryFetched{}
				conns[k] = f
				rd, _ = newRequest(actGet, r.channelID, r.connectionID, "", nil, false)
			}
		case readOnlyTarget(r.target):
			f = &dryFetched{}
			calls[i] = f
			rd = r
		}
		if rd != nil {
			q := *rd
			q.quiet = true
			reads = append(reads, &q)
			slot = append(slot, f)
		}
	}
	bar := s.newProgress("sora.batch (dry run)", len(reads))
	i := 0
	s.runTasks(ctx, poolSize(conc, len(reads)), func() *poolTask {
		if i >= len(reads) {
			return nil
		}
		i++
		return &poolTask{idx: i - 1, reqs: reads[i-1 : i]}
	}, func(t *poolTask) {
		slot[t.idx].raw, slot[t.idx].err = t.reply, t.err
		bar.add(1, btoi(t.err != nil))
	})
	bar.close()
	if ctx.Err() != nil {
		return // results stay nil: cancelled
	}
	missing := func(target string) error {
		return &sora.TransportError{Target: target, Err: fmt.Errorf("dry run: no reply read")}
	}
	for i, r := range reqs {
		if r.op == "sora.call" && !isMetadataTarget(r.target) && !readOnlyTarget(r.target) {
			s.count(r.action, true, false)
			results[i] = resultValue(L, r, nil, errDryRun)
			continue
		}
		v, err := s.dry(L, r, func(r *soraRequest) (json.RawMessage, error) {
			f := lists[r.channelID]
			if r.action != actList {
				f = calls[i]
			}
			if f == nil {
				return nil, missing(r.target)
			}
			return f.raw, f.err
		}, func(ch, conn string) (json.RawMessage, error) {
			f := conns[connKey{ch, conn}]
			if f == nil {
				return nil, missing(sora.TargetGet)
			}
			return f.raw, f.err
		})
		s.count(r.action, err != nil, r.write && err == nil)
		results[i] = resultValue(L, r, v, err)
	}
}
