package sora

import (
	"context"
	"encoding/json"
	"fmt"

	lua "github.com/yuin/gopher-lua"

	luajson "github.com/soracron/soracron/bindings/json"
	"github.com/soracron/soracron/bindings/plan"
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
// concurrently; results are in request order, each {ok = true, value = ...}
// or {ok = false, err = ...}; summary is {requests, ok, failed, gone}
// (gone: writes to a connection no longer in the channel, not counted in
// failed). A request not sent because the run's context ended fails with
// err.type "cancelled" (or "timeout"). Both tables can be given to
// sora.handled. In a dry run the requests take effect in order, as if sent
// one after the other; only their reads go to the server (concurrently).
func (s *Module) luaBatch(L *lua.LState) int {
	list := L.CheckTable(1)
	o := s.checkOpts(L, 2, "concurrency")
	n := list.Len()
	reqs := make([]*plan.Request, n)
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
		s.pool().Run(ctx, plan.Size(o.concurrency, n), func() *plan.Task {
			if i >= n {
				return nil
			}
			i++
			return &plan.Task{Idx: i - 1, Reqs: reqs[i-1 : i]}
		}, func(t *plan.Task) {
			var v lua.LValue
			err := t.Err
			if err == nil {
				v, err = luajson.Decode(L, t.Reply)
			}
			results[t.Idx] = s.resultValue(L, t.Reqs[0], v, err)
			bar.add(1, btoi(err != nil))
		})
		bar.close()
	}
	out := L.CreateTable(n, 0)
	ok, gone := 0, 0
	var ids []int
	for i, v := range results {
		if v == nil {
			v = s.resultValue(L, reqs[i], nil, &sora.TransportError{Target: reqs[i].Target, Err: plan.NotSent(ctx)})
		}
		rt := v.(*lua.LTable)
		if lua.LVAsBool(rt.RawGetString("ok")) {
			ok++
		} else if e, isErr := rt.RawGetString("err").(*lua.LTable); isErr {
			s.mu.Lock()
			ids = append(ids, s.carriers[e]...)
			s.mu.Unlock()
			if reqs[i].Write && lua.LVAsString(e.RawGetString("type")) == errTypeGone {
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
// requests need (a connection's metadata, a channel's list, a read-only
// call) go to the server concurrently; then the requests take effect in
// order on the overlay.
func (s *Module) dryBatch(L *lua.LState, ctx context.Context, reqs []*plan.Request, conc int, results []lua.LValue) {
	var reads []*plan.Request
	conns := map[plan.ConnKey]*dryFetched{}
	lists := map[string]*dryFetched{}
	calls := map[int]*dryFetched{}
	slot := make([]*dryFetched, 0, len(reqs))
	for i, r := range reqs {
		var f *dryFetched
		var rd *plan.Request
		switch {
		case r.Action == actList:
			if f = lists[r.ChannelID]; f == nil {
				f = &dryFetched{}
				lists[r.ChannelID] = f
				rd = r
			}
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
	bar := s.newProgress("sora.batch (dry run)", len(reads))
	i := 0
	s.pool().Run(ctx, plan.Size(conc, len(reads)), func() *plan.Task {
		if i >= len(reads) {
			return nil
		}
		i++
		return &plan.Task{Idx: i - 1, Reqs: reads[i-1 : i]}
	}, func(t *plan.Task) {
		slot[t.Idx].raw, slot[t.Idx].err = t.Reply, t.Err
		bar.add(1, btoi(t.Err != nil))
	})
	bar.close()
	if ctx.Err() != nil {
		return // results stay nil: cancelled
	}
	missing := func(target string) error {
		return &sora.TransportError{Target: target, Err: fmt.Errorf("dry run: no reply read")}
	}
	for i, r := range reqs {
		if r.Op == "sora.call" && !sora.IsMetadata(r.Target) && !readOnlyTarget(r.Target) {
			s.countReq(r, errDryRun)
			results[i] = s.resultValue(L, r, nil, errDryRun)
			continue
		}
		v, err := s.dry(L, r, func(r *plan.Request) (json.RawMessage, error) {
			f := lists[r.ChannelID]
			if r.Action != actList {
				f = calls[i]
			}
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
