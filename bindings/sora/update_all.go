package sora

import (
	"context"
	"fmt"
	"slices"
	"strings"

	lua "github.com/yuin/gopher-lua"

	luajson "github.com/soracron/soracron/bindings/json"
	"github.com/soracron/soracron/bindings/plan"
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

// UpdateAllSummary is the outcome of UpdateAll.
type UpdateAllSummary struct {
	// Connections is the number of connections considered.
	Connections int
	// Changed counts the connections with at least one write.
	Changed int
	// Writes counts the writes made (planned in a dry run).
	Writes int
	// Failed counts the connections with a failed (or unsent) write.
	Failed int
	// Errors are the failures, in the order they were seen.
	Errors []WriteError
	// Written lists, sorted, the changed connections whose writes all
	// succeeded; NotWritten those with a failed or, on cancellation,
	// unsent write.
	Written, NotWritten []string
	// Stopped is true when ctx ended before every change was sent.
	Stopped bool
}

// UpdateAll sends the changes of n connections of channelID. change(i), for
// i from 0 to n-1 and called on the calling goroutine (so it may use an
// LState), returns the writes of the i-th connection; an error stops
// UpdateAll, which returns it once the writes in flight have ended. The
// connections' writes go concurrently (at most concurrency connections in
// flight), the writes of one connection one after the other, stopping at
// its first failure. In a dry run the writes change the overlay instead.
// Failures are logged (and, when ctx ends first, which connections were
// written); a progress bar shows on Options.Progress for more than 200
// connections.
func (s *Module) UpdateAll(ctx context.Context, channelID string, n, concurrency int,
	change func(i int) (Change, error)) (*UpdateAllSummary, error) {
	const op = "sora.update_all"
	sum := &UpdateAllSummary{Connections: n}
	bar := s.newProgress(op, n)
	defer bar.close()
	var cbErr error
	i := 0
	next := func() *plan.Task {
		for i < n && cbErr == nil {
			i++
			c, err := change(i - 1)
			if err != nil {
				cbErr = err
				return nil
			}
			if len(c.Writes) == 0 {
				bar.add(1, 0)
				continue
			}
			sum.Changed++
			if s.overlay != nil {
				if err := s.dryApply(channelID, c.ConnectionID, c.Orig, c.Writes); err != nil {
					cbErr = fmt.Errorf("connection %s: %w", c.ConnectionID, err)
					return nil
				}
				sum.Writes += len(c.Writes)
				sum.Written = append(sum.Written, c.ConnectionID)
				bar.add(1, 0)
				continue
			}
			return &plan.Task{Idx: i - 1, Reqs: c.Writes}
		}
		return nil
	}
	done := func(t *plan.Task) {
		id := t.Reqs[0].ConnectionID
		sum.Writes += t.Done
		bar.add(1, btoi(t.Err != nil))
		if t.Err == nil {
			sum.Written = append(sum.Written, id)
			return
		}
		sum.Failed++
		sum.NotWritten = append(sum.NotWritten, id)
		sum.Errors = append(sum.Errors, WriteError{ConnectionID: id, Key: t.Failed.Key, Target: t.Failed.Target, Err: t.Err})
	}
	if s.overlay != nil {
		for next() != nil {
		}
	} else {
		sum.Stopped = s.pool().Run(ctx, plan.Size(concurrency, n), next, done)
	}
	slices.Sort(sum.Written)
	slices.Sort(sum.NotWritten)
	if cbErr != nil {
		return sum, cbErr
	}
	if sum.Stopped {
		// The run is ending (timeout or cancellation) and the script
		// will not see the summary: say here which half was written.
		s.log.Warn("sora.update_all: stopped before the end", "channel_id", channelID,
			"written", len(sum.Written), "not_written", len(sum.NotWritten),
			"written_ids", someIDs(sum.Written), "not_written_ids", someIDs(sum.NotWritten))
	}
	if sum.Failed > 0 {
		e := sum.Errors[0]
		s.log.Warn("sora.update_all: writes failed", "channel_id", channelID, "failed", sum.Failed, "changed", sum.Changed,
			"not_written_ids", someIDs(sum.NotWritten),
			"error", classify(e.Err, e.Target).format(op, e.Key))
	}
	return sum, nil
}

// sora.update_all(channel_id, fn [, {push = bool, concurrency = n}]) -> summary
//
// Lists the channel once, then calls fn(metadata, connection) for every
// connection (connection is the list entry: connection_id, client_id,
// bundle_id, metadata). Unlike update, fn must return the metadata to
// write: the table it was given (changed in place) or a new one; nil or
// false skips the connection. The keys that changed are written as update
// does, by UpdateAll. The summary is {connections, changed, writes, failed,
// errors = {{connection_id, key, err}, ...}, written = {ids}, not_written =
// {ids}}.
func (s *Module) luaUpdateAll(L *lua.LState) int {
	ch := L.CheckString(1)
	fn := L.CheckFunction(2)
	o := s.checkOpts(L, 3, "push", "concurrency")
	const op = "sora.update_all"
	list := mustRequest(L, actList, ch, "", "", nil, false)
	list.Op = op
	lv, err := s.read(L, list)
	if err != nil {
		return pushError(L, op, list.Target, err)
	}
	arr, ok := lv.(*lua.LTable)
	if !ok {
		L.RaiseError("%s: list reply is not an array", op)
	}
	// change runs fn for the i-th connection; misuse raises a Lua error,
	// which cancels the writes in flight.
	change := func(i int) (Change, error) {
		c, ok := arr.RawGetInt(i + 1).(*lua.LTable)
		if !ok {
			return Change{}, nil
		}
		id := lua.LVAsString(c.RawGetString("connection_id"))
		md, ok := c.RawGetString("metadata").(*lua.LTable)
		if !ok {
			md = L.CreateTable(0, 0)
			luajson.MarkObject(L, md)
			c.RawSetString("metadata", md)
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
		nmd := callUpdate(L, op, fn, md, false, md, c)
		if nmd == nil {
			return Change{}, nil
		}
		reqs, err := diffMetadata(old, nmd, ch, id, o.push)
		if err != nil {
			L.RaiseError("%s: connection %s: %v", op, id, err)
		}
		return Change{ConnectionID: id, Writes: reqs, Orig: orig}, nil
	}
	sum, err := s.UpdateAll(ctxOf(L), ch, arr.Len(), o.concurrency, change)
	if err != nil {
		L.RaiseError("%s: %v", op, err)
	}
	L.Push(summaryValue(L, op, sum))
	return 1
}

// summaryValue is the Lua table of an UpdateAll summary.
func summaryValue(L *lua.LState, op string, sum *UpdateAllSummary) *lua.LTable {
	errs := L.CreateTable(len(sum.Errors), 0)
	luajson.MarkArray(L, errs)
	for _, we := range sum.Errors {
		e := L.CreateTable(0, 3)
		e.RawSetString("connection_id", lua.LString(we.ConnectionID))
		e.RawSetString("key", lua.LString(we.Key))
		ev := errorValue(L, op, we.Target, we.Err)
		ev.RawSetString("key", lua.LString(we.Key))
		e.RawSetString("err", ev)
		errs.Append(e)
	}
	t := L.CreateTable(0, 7)
	t.RawSetString("connections", lua.LNumber(sum.Connections))
	t.RawSetString("changed", lua.LNumber(sum.Changed))
	t.RawSetString("writes", lua.LNumber(sum.Writes))
	t.RawSetString("failed", lua.LNumber(sum.Failed))
	t.RawSetString("errors", errs)
	t.RawSetString("written", idArray(L, sum.Written))
	t.RawSetString("not_written", idArray(L, sum.NotWritten))
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
