package sora

import (
	"context"
	"fmt"

	lua "github.com/yuin/gopher-lua"

	luajson "github.com/soracron/soracron/bindings/json"
	"github.com/soracron/soracron/bindings/plan"
	"github.com/soracron/soracron/bindings/sora/progress"
	"github.com/soracron/soracron/bindings/sora/updateall"
)

// UpdateAll sends the changes of n connections of channelID. change(i), for
// i from 0 to n-1 and called on the calling goroutine (so it may use an
// LState), returns the writes of the i-th connection; an error stops
// UpdateAll, which returns it once the writes in flight have ended. id(i)
// is the id of the i-th connection, for the connections never reached. The
// connections' writes go concurrently (at most concurrency connections in
// flight), the writes of one connection one after the other, stopping at
// its first failure. In a dry run the writes change the overlay instead.
// Failures are logged and, when ctx ends first, one warning accounts for
// every connection (with their ids, or the name of a file of them when
// there are many); a progress bar shows on Options.Progress for more than
// 200 connections.
func (s *Module) UpdateAll(ctx context.Context, channelID string, n, concurrency int,
	change func(i int) (updateall.Change, error), id func(i int) string) (_ *updateall.Summary, err error) {
	const op = "sora.update_all"
	sum := &updateall.Summary{Connections: n}
	bar := progress.New(s.opts.Progress, op, n)
	defer bar.Close()
	var cbErr error
	i := 0 // the next connection to change; those from i on are not reached
	next := func() *plan.Task {
		for i < n && cbErr == nil {
			c, err := change(i) // may raise a Lua error: i stays not reached
			if err != nil {
				cbErr = err
				return nil
			}
			i++
			if len(c.Writes) == 0 {
				sum.Unchanged++
				bar.Add(1, 0)
				continue
			}
			sum.Changed++
			if s.overlay != nil {
				if err := s.dryApply(channelID, c.ConnectionID, c.Orig, c.Writes); err != nil {
					cbErr = fmt.Errorf("connection %s: %w", c.ConnectionID, err)
					i-- // not applied
					sum.Changed--
					return nil
				}
				sum.Writes += len(c.Writes)
				sum.Written = append(sum.Written, c.ConnectionID)
				bar.Add(1, 0)
				continue
			}
			return &plan.Task{Idx: i - 1, Reqs: c.Writes}
		}
		return nil
	}
	completed := false
	// Whatever ends UpdateAll (the end of the list, ctx, an error of the
	// callback or a Lua error unwinding through here), account for every
	// connection and, unless it all went well, say what became of each.
	defer func() {
		sum.Finish(n, i, id)
		s.mu.Lock()
		s.conns.Add(sum.Counts())
		s.mu.Unlock()
		stopped := sum.Stopped || ctx.Err() != nil
		if idsFile := sum.Warn(s.log, channelID, s.opts.ReportDir, completed, stopped, cbErr != nil); idsFile != "" {
			s.mu.Lock()
			s.conns.IDsFile = idsFile
			s.mu.Unlock()
		}
	}()
	if s.overlay != nil {
		for next() != nil {
		}
	} else {
		pool := s.pool()
		pool.DoneOnPanic = true
		sum.Stopped = pool.Run(ctx, plan.Size(concurrency, n), next, func(t *plan.Task) {
			sum.Done(t)
			bar.Add(1, btoi(t.Err != nil))
		})
	}
	completed = true
	if cbErr != nil {
		return sum, cbErr
	}
	return sum, nil
}

// sora.update_all(channel_id, fn [, {push = bool, concurrency = n}]) -> summary
//
// Lists the channel once, then calls fn(metadata, connection) for every
// connection (connection is the list entry: connection_id, client_id,
// bundle_id, metadata). As with update, fn changes md in place and returns
// nothing (or returns md), or returns a new table; false leaves the
// connection alone. The keys that changed are written as update does, by
// UpdateAll. The summary is {connections, changed, unchanged, writes,
// failed, gone, not_reached, errors = {{connection_id, key, err}, ...},
// written = {ids}, not_written = {ids}, gone_ids = {ids}, not_reached_ids =
// {ids}}; it can be given to sora.handled.
func (s *Module) luaUpdateAll(L *lua.LState) int {
	ch := L.CheckString(1)
	fn := L.CheckFunction(2)
	o := s.checkOpts(L, 3, "push", "concurrency")
	const op = "sora.update_all"
	list := mustRequest(L, actList, ch, "", "", nil, false)
	list.Op = op
	conns, err := s.listConns(L, list)
	if err != nil {
		return pushError(L, op, list.Target, err)
	}
	// A Lua function of one parameter, md, never sees the connection
	// table: only md and the id are decoded then, not the connection.
	wantsConn := fn.IsG || fn.Proto.NumParameters >= 2 || fn.Proto.IsVarArg != 0 || conns.arr != nil
	// change runs fn for the i-th connection; misuse raises a Lua error,
	// which cancels the writes in flight.
	change := func(i int) (updateall.Change, error) {
		var c *lua.LTable
		var idv, mdv lua.LValue
		if wantsConn {
			var ok bool
			if c, ok = conns.at(L, i).(*lua.LTable); !ok {
				return updateall.Change{}, nil
			}
			idv, mdv = luajson.Field(c, "connection_id"), luajson.Field(c, "metadata") // a dry run's List is lazy
		} else {
			var ok bool
			if idv, mdv, ok = conns.idAndMetadata(L, i); !ok {
				return updateall.Change{}, nil
			}
		}
		id := lua.LVAsString(idv)
		md, ok := mdv.(*lua.LTable)
		if !ok {
			md = L.CreateTable(0, 0)
			luajson.MarkObject(L, md)
			if c != nil {
				c.RawSetString("metadata", md)
			}
		}
		old, err := snapshotMetadata(md)
		if err != nil {
			L.RaiseError("%s: connection %s: %v", op, id, err)
		}
		var orig []byte
		if s.overlay != nil && s.overlay.Entry(ch, id) == nil {
			if orig, err = luajson.Encode(md); err != nil {
				L.RaiseError("%s: connection %s: %v", op, id, err)
			}
		}
		var nmd *lua.LTable
		if c != nil {
			nmd = callUpdate(L, op, fn, md, true, md, c)
		} else {
			nmd = callUpdate(L, op, fn, md, true, md)
		}
		if nmd == nil {
			return updateall.Change{}, nil
		}
		reqs, err := diffMetadata(old, nmd, ch, id, o.push)
		if err != nil {
			L.RaiseError("%s: connection %s: %v", op, id, err)
		}
		return updateall.Change{ConnectionID: id, Writes: reqs, Orig: orig}, nil
	}
	sum, err := s.UpdateAll(ctxOf(L), ch, conns.len(), o.concurrency, change, conns.id)
	if err != nil {
		L.RaiseError("%s: %v", op, err)
	}
	L.Push(s.summaryValue(L, op, sum))
	return 1
}

// summaryValue is the Lua table of an UpdateAll summary; it and its
// errors carry the failures for sora.handled.
func (s *Module) summaryValue(L *lua.LState, op string, sum *updateall.Summary) *lua.LTable {
	errs := L.CreateTable(len(sum.Errors), 0)
	luajson.MarkArray(L, errs)
	var ids []int
	for _, we := range sum.Errors {
		e := L.CreateTable(0, 3)
		e.RawSetString("connection_id", lua.LString(we.ConnectionID))
		e.RawSetString("key", lua.LString(we.Key))
		ev, fid := s.writeErrorValue(L, op, we.Target, true, we.Err)
		if fid != 0 {
			ids = append(ids, fid)
		}
		ev.RawSetString("key", lua.LString(we.Key))
		e.RawSetString("err", ev)
		errs.Append(e)
	}
	t := L.CreateTable(0, 12)
	t.RawSetString("connections", lua.LNumber(sum.Connections))
	t.RawSetString("changed", lua.LNumber(sum.Changed))
	t.RawSetString("unchanged", lua.LNumber(sum.Unchanged))
	t.RawSetString("writes", lua.LNumber(sum.Writes))
	t.RawSetString("failed", lua.LNumber(sum.Failed))
	t.RawSetString("gone", lua.LNumber(len(sum.Gone)))
	t.RawSetString("not_reached", lua.LNumber(len(sum.NotReached)))
	t.RawSetString("errors", errs)
	t.RawSetString("written", idArray(L, sum.Written))
	t.RawSetString("not_written", idArray(L, sum.NotWritten))
	t.RawSetString("gone_ids", idArray(L, sum.Gone))
	t.RawSetString("not_reached_ids", idArray(L, sum.NotReached))
	s.markSummary(t)
	s.register(t, ids...)
	return t
}

// idArray returns ids (sorted) as a Lua array marked as JSON array.
func idArray(L *lua.LState, ids []string) *lua.LTable {
	t := L.CreateTable(len(ids), 0)
	for _, id := range ids {
		t.Append(lua.LString(id))
	}
	luajson.MarkArray(L, t)
	return t
}
