package sora

import (
	"context"
	"encoding/json"
	"fmt"

	lua "github.com/yuin/gopher-lua"

	luajson "github.com/soracron/soracron/bindings/json"
	"github.com/soracron/soracron/bindings/plan"
	"github.com/soracron/soracron/bindings/sora/progress"
	"github.com/soracron/soracron/bindings/sora/soraerr"
	"github.com/soracron/soracron/sora"
)

// pool returns the pool that sends the module's requests with its client,
// counting each in Stats unless it is quiet.
func (s *Module) pool() plan.Pool {
	return plan.Pool{Send: func(ctx context.Context, r *plan.Request) (json.RawMessage, error) {
		raw, err := s.client.Call(ctx, r.Target, r.RawBody())
		if !r.Quiet {
			s.countReq(r, err)
		}
		return raw, err
	}}
}

// sora.batch(requests [, {concurrency = n}]) -> results, summary
//
// Each request is {action = "put_item", channel_id = ..., connection_id =
// ..., key = ..., value = ..., push = bool} (action list, get, put, delete,
// put_item, delete_item; or "call" with target and params). The requests go
// concurrently (a list is read when its turn comes, decoded as it
// arrives, while the others stay in flight); results are in request
// order, each {ok = true, value = ...}
// or {ok = false, err = ...}; summary is {requests, ok, failed, gone}
// (gone: writes to a connection no longer in the channel, not counted in
// failed). A request not sent because the run's context ended fails with
// err.type "cancelled" (or "timeout"). A successful result is filled in
// when first used (lazyResults). Both tables can be given to
// sora.handled. In a dry run the requests take effect in order, as if sent
// one after the other; only their reads go to the server (concurrently,
// but for lists, read as they take effect).
//
// requests may instead be a function returning the next request, nil
// when there are no more (see pullRequests): requests are then pulled as
// the pool has room for them, so that only about concurrency of them live
// at once.
func (s *Module) luaBatch(L *lua.LState) int {
	gen, isGen := L.Get(1).(*lua.LFunction)
	var list *lua.LTable
	if !isGen {
		list = L.CheckTable(1)
	}
	o := s.checkOpts(L, 2, "concurrency")
	ctx := ctxOf(L)
	var reqs []plan.Request
	var results []lua.LValue
	var writes []bool // whether request i writes, for the summary
	var lazy *lazyResults
	switch {
	case s.overlay != nil:
		if isGen {
			reqs = pullAll(L, gen)
		} else {
			reqs = readBatch(L, list)
		}
		ptrs := make([]*plan.Request, len(reqs))
		writes = make([]bool, len(reqs))
		for i := range reqs {
			// Only a list is sent as it is (a call has its params already);
			// the writes take effect on the overlay, from their values.
			if reqs[i].Body == nil && reqs[i].Action == actList {
				reqs[i].Body, _ = appendBody(nil, &reqs[i]) // readRequest checked the strings
			}
			ptrs[i] = &reqs[i]
			writes[i] = reqs[i].Write
		}
		results = make([]lua.LValue, len(reqs))
		s.dryBatch(L, ctx, ptrs, o.concurrency, results)
	case isGen:
		lazy = newLazyResults(L, 0)
		p := &puller{fn: gen}
		results, writes = s.sendBatch(L, ctx, p.next(L), p.release, o.concurrency, -1, lazy)
	default:
		reqs = readBatch(L, list)
		lazy = newLazyResults(L, len(reqs))
		results, writes = s.sendBatch(L, ctx, func(i int) *plan.Request {
			if i >= len(reqs) {
				return nil
			}
			return &reqs[i]
		}, nil, o.concurrency, len(reqs), lazy)
	}
	n := len(results)
	out := L.CreateTable(n, 0)
	ok, gone := 0, 0
	var ids []int
	for i, v := range results {
		if v == nil { // only with a table of requests: all pulled ones have a result
			v = s.resultValue(L, &reqs[i], nil, &sora.TransportError{Target: reqs[i].Target, Err: plan.NotSent(ctx)})
		}
		rt := v.(*lua.LTable)
		if lazy.has(rt) || lua.LVAsBool(rt.RawGetString("ok")) {
			ok++
		} else if e, isErr := rt.RawGetString("err").(*lua.LTable); isErr {
			s.mu.Lock()
			ids = append(ids, s.carriers[e]...)
			s.mu.Unlock()
			if writes[i] && lua.LVAsString(e.RawGetString("type")) == soraerr.TypeGone {
				gone++
			}
		}
		out.RawSetInt(i+1, v)
	}
	luajson.MarkArray(L, out)
	sum := L.CreateTable(0, 4)
	sum.RawSetString("requests", lua.LNumber(n))
	sum.RawSetString("ok", lua.LNumber(ok))
	sum.RawSetString("failed", lua.LNumber(n-ok-gone))
	sum.RawSetString("gone", lua.LNumber(gone))
	s.markSummary(out)
	s.markSummary(sum)
	s.register(out, ids...)
	s.register(sum, ids...)
	L.Push(out)
	L.Push(sum)
	return 2
}

// readBatch reads the request tables of sora.batch (argument 1) into one
// slice, their bodies left to be encoded as they are sent.
func readBatch(L *lua.LState, list *lua.LTable) []plan.Request {
	n := list.Len()
	reqs := make([]plan.Request, n)
	var memo valueMemo
	for i := range n {
		where := func() string { return fmt.Sprintf("requests[%d]", i+1) }
		t, ok := list.RawGetInt(i + 1).(*lua.LTable)
		if !ok {
			L.ArgError(1, fmt.Sprintf("%s must be a table, got %s", where(), list.RawGetInt(i+1).Type()))
		}
		readRequest(L, 1, where, t, "", &reqs[i], &memo)
	}
	return reqs
}

// batchTask is a task of sendBatch: one request.
type batchTask struct {
	plan.Task
	one [1]*plan.Request
}

// sendBatch sends the requests pull gives (the i-th from 0, nil when
// there are no more; total is their number, -1 when not known) from the
// pool and returns the result of each and whether it writes. pull is
// called on the Lua goroutine as the pool has room, in order; release, if
// not nil, is given each request once it is done, for pull to reuse. Each body
// is encoded as its request is dispatched, into a buffer reused once the
// request is done; a done request drops its body and value, and its reply
// is kept for a lazy result (decoded into Lua when the script first uses
// it; a reply that would not decode is decoded now, its error the
// result). A list is read when its turn comes, on the calling goroutine
// (the only one that may build Lua values), and decoded as it arrives: a
// big channel's reply is never held whole. A request not sent because
// ctx ended (only when total is known) has a nil result.
func (s *Module) sendBatch(L *lua.LState, ctx context.Context, pull func(i int) *plan.Request, release func(*plan.Request), conc, total int, lazy *lazyResults) (results []lua.LValue, writes []bool) {
	size := conc
	if total >= 0 {
		results, writes = make([]lua.LValue, total), make([]bool, total)
		size = plan.Size(conc, total)
	}
	bar := progress.New(s.opts.Progress, "sora.batch", total)
	defer bar.Close()
	var free [][]byte          // body buffers of the requests done
	var freeTasks []*plan.Task // tasks done, each with its one-request Reqs
	i := 0
	var r *plan.Request // the next request, pulled but not sent
	// take pulls the next request, if none is waiting, and records it.
	take := func() *plan.Request {
		if r == nil {
			if r = pull(i); r != nil && i >= len(results) {
				results, writes = append(results, nil), append(writes, false)
			}
			if r != nil {
				writes[i] = r.Write
			}
		}
		return r
	}
	s.pool().Run(ctx, size, func() *plan.Task {
		for {
			if ctx.Err() != nil {
				return nil // not sent: cancelled (and pull may run Lua, which would raise)
			}
			if take() == nil || r.Action != actList {
				break
			}
			// A list is read here, on the Lua goroutine, and decoded as
			// it arrives, while the requests in flight go on.
			if r.Body == nil {
				r.Body, _ = appendBody(nil, r) // readRequest checked the strings
			}
			v, err := s.readLive(ctx, L, r)
			r.Body = nil
			s.countReq(r, err)
			results[i] = s.resultValue(L, r, v, err)
			bar.Add(1, btoi(err != nil))
			i, r = i+1, nil
		}
		if r == nil {
			return nil
		}
		if r.Body == nil { // not a call with its own params
			var buf []byte
			if k := len(free); k > 0 {
				buf, free = free[k-1][:0], free[:k-1]
			}
			r.Body, _ = appendBody(buf, r) // readRequest checked the strings
		}
		r.Value = nil // in the body now
		var t *plan.Task
		if k := len(freeTasks); k > 0 {
			t, freeTasks = freeTasks[k-1], freeTasks[:k-1]
			*t = plan.Task{Reqs: t.Reqs[:1]}
		} else {
			bt := &batchTask{}
			t = &bt.Task
			t.Reqs = bt.one[:]
		}
		t.Idx, t.Reqs[0] = i, r
		i, r = i+1, nil
		return t
	}, func(t *plan.Task) {
		r := t.Reqs[0]
		err := t.Err
		switch {
		case err == nil && luajson.Decodable(t.Reply):
			results[t.Idx] = lazy.add(t.Idx, t.Reply)
		case err == nil:
			var v lua.LValue
			v, err = luajson.Decode(L, t.Reply) // fails: the error is the result
			results[t.Idx] = s.resultValue(L, r, v, err)
		default:
			results[t.Idx] = s.resultValue(L, r, nil, err)
		}
		free = append(free, r.Body)
		r.Body = nil
		bar.Add(1, btoi(err != nil))
		freeTasks = append(freeTasks, t) // reset when reused
		if release != nil {
			release(r)
		}
	})
	if r != nil && results[i] == nil { // pulled, then the run ended
		results[i] = s.resultValue(L, r, nil, &sora.TransportError{Target: r.Target, Err: plan.NotSent(ctx)})
	}
	return results, writes
}

// resultValue is one entry of batch's results.
func (s *Module) resultValue(L *lua.LState, r *plan.Request, v lua.LValue, err error) lua.LValue {
	t := L.CreateTable(0, 2)
	if err != nil {
		e, _ := s.writeErrorValue(L, r.Op, r.Target, r.Write, err)
		t.RawSetString("ok", lua.LFalse)
		t.RawSetString("err", e)
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
// requests need (a connection's metadata, a read-only call) go to the
// server concurrently; then the requests take effect in order on the
// overlay, a list read then, streamed as it arrives (so that a big
// channel's reply is never held whole).
func (s *Module) dryBatch(L *lua.LState, ctx context.Context, reqs []*plan.Request, conc int, results []lua.LValue) {
	var reads []*plan.Request
	conns := map[plan.ConnKey]*dryFetched{}
	calls := map[int]*dryFetched{}
	slot := make([]*dryFetched, 0, len(reqs))
	for i, r := range reqs {
		var f *dryFetched
		var rd *plan.Request
		switch {
		case r.Action == actList:
			// Read when it takes effect, streamed as it arrives.
		case sora.IsMetadata(r.Target):
			k := plan.ConnKey{ChannelID: r.ChannelID, ConnectionID: r.ConnectionID}
			if f = conns[k]; f == nil && (r.Action == actGet || s.overlay.Entry(r.ChannelID, r.ConnectionID) == nil) {
				f = &dryFetched{}
				conns[k] = f
				rd, _ = newRequest(actGet, r.ChannelID, r.ConnectionID, "", nil, false)
			}
		case readOnlyTarget(r.Target):
			f = &dryFetched{}
			calls[i] = f
			rd = r
		}
		if rd != nil {
			q := *rd
			q.Quiet = true
			reads = append(reads, &q)
			slot = append(slot, f)
		}
	}
	bar := progress.New(s.opts.Progress, "sora.batch (dry run)", len(reads))
	i := 0
	s.pool().Run(ctx, plan.Size(conc, len(reads)), func() *plan.Task {
		if i >= len(reads) {
			return nil
		}
		i++
		return &plan.Task{Idx: i - 1, Reqs: reads[i-1 : i]}
	}, func(t *plan.Task) {
		slot[t.Idx].raw, slot[t.Idx].err = t.Reply, t.Err
		bar.Add(1, btoi(t.Err != nil))
	})
	bar.Close()
	if ctx.Err() != nil {
		return // results stay nil: cancelled
	}
	missing := func(target string) error {
		return &sora.TransportError{Target: target, Err: fmt.Errorf("dry run: no reply read")}
	}
	for i, r := range reqs {
		if r.Op == "sora.call" && !sora.IsMetadata(r.Target) && !readOnlyTarget(r.Target) {
			s.countReq(r, soraerr.ErrDryRun)
			results[i] = s.resultValue(L, r, nil, soraerr.ErrDryRun)
			continue
		}
		v, err := s.dry(L, r, func(r *plan.Request) (json.RawMessage, error) {
			f := calls[i]
			if f == nil {
				return nil, missing(r.Target)
			}
			return f.raw, f.err
		}, func(ch, conn string) (json.RawMessage, error) {
			f := conns[plan.ConnKey{ChannelID: ch, ConnectionID: conn}]
			if f == nil {
				return nil, missing(sora.TargetGet)
			}
			return f.raw, f.err
		})
		s.countReq(r, err)
		results[i] = s.resultValue(L, r, v, err)
	}
}
