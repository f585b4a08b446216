package sora

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"

	lua "github.com/yuin/gopher-lua"

	luajson "github.com/soracron/soracron/bindings/json"
	"github.com/soracron/soracron/bindings/plan"
	"github.com/soracron/soracron/bindings/sora/progress"
	"github.com/soracron/soracron/bindings/sora/soraerr"
)

// Change is what the callback of UpdateAll asks for one connection.
type Change struct {
	// ConnectionID names the connection.
	ConnectionID string
	// Writes are the connection's writes (put_item and delete_item requests
	// of the channel), sent one after the other; none leaves the connection
	// alone.
	Writes []*plan.Request
	// Orig is the connection's metadata as read before the change
	// (canonical JSON object); a dry run seeds its overlay with it when the
	// connection has no entry yet.
	Orig []byte
}

// WriteError is a connection whose writes failed in UpdateAll.
type WriteError struct {
	// ConnectionID is the connection, Key the key of the failed write.
	ConnectionID, Key string
	// Target is the failed request's target.
	Target string
	// Err is the failure.
	Err error
}

// UpdateAllSummary is the outcome of UpdateAll. Every connection is exactly
// one of unchanged, written, failed, gone or not reached:
// Unchanged+len(Written)+Failed+len(Gone)+len(NotReached) == Connections.
type UpdateAllSummary struct {
	// Connections is the number of connections considered.
	Connections int
	// Changed counts the connections with at least one write.
	Changed int
	// Unchanged counts the connections left alone (nothing to write, or
	// skipped by the callback).
	Unchanged int
	// Writes counts the writes made (planned in a dry run).
	Writes int
	// Failed counts the connections with a write that failed after the
	// client's retries, or was cut off by the end of the run.
	Failed int
	// Errors are the failures, in the order they were seen.
	Errors []WriteError
	// Written lists, sorted, the changed connections whose writes all
	// succeeded; NotWritten the failed ones.
	Written, NotWritten []string
	// Gone lists, sorted, the connections whose write found them no longer
	// in the channel (connection_not_found): not a failure.
	Gone []string
	// NotReached lists, sorted, the connections whose change was never
	// sent (or never computed) because the run ended first.
	NotReached []string
	// Stopped is true when ctx ended before every change was sent.
	Stopped bool
}

// counts returns the summary's connection accounting.
func (sum *UpdateAllSummary) counts() ConnCounts {
	return ConnCounts{Connections: sum.Connections, Unchanged: sum.Unchanged, Written: len(sum.Written),
		Failed: sum.Failed, Gone: len(sum.Gone), NotReached: len(sum.NotReached)}
}

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
	change func(i int) (Change, error), id func(i int) string) (_ *UpdateAllSummary, err error) {
	const op = "sora.update_all"
	sum := &UpdateAllSummary{Connections: n}
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
	// done is plain Go (no LState): the pool also calls it for the tasks
	// in flight when a Lua error unwinds.
	done := func(t *plan.Task) {
		id := t.Reqs[0].ConnectionID
		sum.Writes += t.Done
		switch {
		case t.Err == nil:
			sum.Written = append(sum.Written, id)
		case soraerr.IsUnsent(t.Err):
			sum.NotReached = append(sum.NotReached, id)
		case soraerr.IsGone(t.Err):
			sum.Gone = append(sum.Gone, id)
		default:
			sum.Failed++
			sum.NotWritten = append(sum.NotWritten, id)
			sum.Errors = append(sum.Errors, WriteError{ConnectionID: id, Key: t.Failed.Key, Target: t.Failed.Target, Err: t.Err})
		}
	}
	completed := false
	// Whatever ends UpdateAll (the end of the list, ctx, an error of the
	// callback or a Lua error unwinding through here), account for every
	// connection and, unless it all went well, say what became of each.
	defer func() {
		s.account(sum, n, i, id)
		stopped := sum.Stopped || ctx.Err() != nil
		if completed && !stopped && sum.Failed == 0 {
			return
		}
		msg := "sora.update_all: writes failed"
		switch {
		case stopped:
			// The run is ending (timeout or cancellation) and the
			// script will not see the summary.
			msg = "sora.update_all: stopped before the end"
		case !completed || cbErr != nil:
			msg = "sora.update_all: stopped by an error"
		}
		attrs := []any{"channel_id", channelID, "connections", sum.Connections, "written", len(sum.Written),
			"failed", sum.Failed, "gone", len(sum.Gone), "not_reached", len(sum.NotReached), "unchanged", sum.Unchanged}
		attrs = append(attrs, s.idAttrs(channelID, sum)...)
		if sum.Failed > 0 {
			e := sum.Errors[0]
			attrs = append(attrs, "error", soraerr.Classify(e.Err, e.Target).Format(op, e.Key))
		}
		s.log.Warn(msg, attrs...)
	}()
	if s.overlay != nil {
		for next() != nil {
		}
	} else {
		pool := s.pool()
		pool.DoneOnPanic = true
		sum.Stopped = pool.Run(ctx, plan.Size(concurrency, n), next, func(t *plan.Task) {
			done(t)
			bar.Add(1, btoi(t.Err != nil))
		})
	}
	completed = true
	if cbErr != nil {
		return sum, cbErr
	}
	return sum, nil
}

// account completes sum once UpdateAll's connections have been sent or
// abandoned: the connections from next on were never reached; the lists
// are sorted and the counts added to the module's Stats.
func (s *Module) account(sum *UpdateAllSummary, n, next int, id func(int) string) {
	for k := next; k < n; k++ {
		sum.NotReached = append(sum.NotReached, id(k))
	}
	for _, l := range [][]string{sum.Written, sum.NotWritten, sum.Gone, sum.NotReached} {
		slices.Sort(l)
	}
	s.mu.Lock()
	s.conns.add(sum.counts())
	s.mu.Unlock()
}

// idAttrs returns the log attributes naming the connections of each kind
// but unchanged: their ids when there are at most maxLoggedIDs of each,
// else the name of a JSON file that lists them all.
func (s *Module) idAttrs(channelID string, sum *UpdateAllSummary) []any {
	lists := []struct {
		key string
		ids []string
	}{{"written", sum.Written}, {"failed", sum.NotWritten}, {"gone", sum.Gone}, {"not_reached", sum.NotReached}}
	many := false
	for _, l := range lists {
		many = many || len(l.ids) > maxLoggedIDs
	}
	if many {
		if name, err := s.writeIDsFile(channelID, sum); err == nil {
			s.mu.Lock()
			s.conns.IDsFile = name
			s.mu.Unlock()
			return []any{"ids_file", name}
		} else {
			s.log.Warn("sora.update_all: cannot write the file of connection ids", "error", err)
		}
	}
	var attrs []any
	for _, l := range lists {
		if len(l.ids) > 0 {
			attrs = append(attrs, l.key+"_ids", someIDs(l.ids))
		}
	}
	return attrs
}

// writeIDsFile writes the ids of every kind of connection of sum to a new
// JSON file in Options.ReportDir and returns its name.
func (s *Module) writeIDsFile(channelID string, sum *UpdateAllSummary) (string, error) {
	f, err := os.CreateTemp(s.opts.ReportDir, "soracron-update_all-*.json")
	if err != nil {
		return "", err
	}
	nonNil := func(l []string) []string {
		if l == nil {
			return []string{}
		}
		return l
	}
	err = json.NewEncoder(f).Encode(map[string]any{
		"channel_id": channelID, "connections": sum.Connections, "unchanged": sum.Unchanged,
		"written": nonNil(sum.Written), "failed": nonNil(sum.NotWritten), "gone": nonNil(sum.Gone), "not_reached": nonNil(sum.NotReached),
	})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return f.Name(), err
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
	change := func(i int) (Change, error) {
		var c *lua.LTable
		var idv, mdv lua.LValue
		if wantsConn {
			var ok bool
			if c, ok = conns.at(L, i).(*lua.LTable); !ok {
				return Change{}, nil
			}
			idv, mdv = c.RawGetString("connection_id"), c.RawGetString("metadata")
		} else {
			var ok bool
			if idv, mdv, ok = conns.idAndMetadata(L, i); !ok {
				return Change{}, nil
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
			return Change{}, nil
		}
		reqs, err := diffMetadata(old, nmd, ch, id, o.push)
		if err != nil {
			L.RaiseError("%s: connection %s: %v", op, id, err)
		}
		return Change{ConnectionID: id, Writes: reqs, Orig: orig}, nil
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
func (s *Module) summaryValue(L *lua.LState, op string, sum *UpdateAllSummary) *lua.LTable {
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

// maxLoggedIDs bounds the connection ids one log line lists.
const maxLoggedIDs = 100

// someIDs returns ids (sorted) for a log line: all of them up to
// maxLoggedIDs, then the count of the rest.
func someIDs(ids []string) string {
	if len(ids) <= maxLoggedIDs {
		return strings.Join(ids, ",")
	}
	return strings.Join(ids[:maxLoggedIDs], ",") + fmt.Sprintf(",... (%d more)", len(ids)-maxLoggedIDs)
}
