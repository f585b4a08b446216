package bindings

import (
	"fmt"
	"slices"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// sora.update_all(channel_id, fn [, {push = bool, concurrency = n}]) -> summary
//
// Lists the channel once, then calls fn(metadata, connection) for every
// connection (connection is the list entry: connection_id, client_id,
// bundle_id, metadata). Unlike update, fn must return the metadata to
// write: the table it was given (changed in place) or a new one; nil or
// false skips the connection. The keys that changed are written as update
// does, the connections concurrently (at most concurrency in flight), the
// keys of one connection one after the other, stopping at its first
// failure. The summary is {connections, changed, writes, failed, errors =
// {{connection_id, key, err}, ...}, written = {ids}, not_written = {ids}}:
// written lists the changed connections whose writes all succeeded,
// not_written those with a failed (or, on cancellation, unsent) write.
func (s *Sora) luaUpdateAll(L *lua.LState) int {
	ch := L.CheckString(1)
	fn := L.CheckFunction(2)
	o := s.checkOpts(L, 3, "push", "concurrency")
	const op = "sora.update_all"
	list := mustRequest(L, actList, ch, "", "", nil, false)
	list.op = op
	lv, err := s.read(L, list)
	if err != nil {
		return pushError(L, op, list.target, err)
	}
	arr, ok := lv.(*lua.LTable)
	if !ok {
		L.RaiseError("%s: list reply is not an array", op)
	}
	n := arr.Len()
	var changed, writes, failed int
	var written, notWritten []string
	errs := L.CreateTable(0, 0)
	MarkArray(L, errs)
	bar := s.newProgress(op, n)
	defer bar.close()
	i := 0
	next := func() *poolTask {
		for i < n {
			i++
			c, ok := arr.RawGetInt(i).(*lua.LTable)
			if !ok {
				bar.add(1, 0)
				continue
			}
			id := lua.LVAsString(c.RawGetString("connection_id"))
			md, ok := c.RawGetString("metadata").(*lua.LTable)
			if !ok {
				md = L.CreateTable(0, 0)
				MarkObject(L, md)
				c.RawSetString("metadata", md)
			}
			old, err := snapshotMetadata(md)
			if err != nil {
				L.RaiseError("%s: connection %s: %v", op, id, err)
			}
			var orig []byte
			if s.overlay != nil && s.overlay.entry(ch, id) == nil {
				if orig, err = EncodeJSON(md); err != nil {
					L.RaiseError("%s: connection %s: %v", op, id, err)
				}
			}
			nmd := callUpdate(L, op, fn, md, false, md, c)
			if nmd == nil {
				bar.add(1, 0)
				continue
			}
			reqs, err := diffMetadata(old, nmd, ch, id, o.push)
			if err != nil {
				L.RaiseError("%s: connection %s: %v", op, id, err)
			}
			if len(reqs) == 0 {
				bar.add(1, 0)
				continue
			}
			changed++
			if s.overlay != nil {
				if _, err := s.dryWrites(L, ch, id, orig, reqs); err != nil {
					L.RaiseError("%s: connection %s: %v", op, id, err)
				}
				writes += len(reqs)
				written = append(written, id)
				bar.add(1, 0)
				continue
			}
			return &poolTask{idx: i - 1, reqs: reqs}
		}
		return nil
	}
	done := func(t *poolTask) {
		id := t.reqs[0].connectionID
		writes += t.done
		bar.add(1, btoi(t.err != nil))
		if t.err == nil {
			written = append(written, id)
			return
		}
		failed++
		notWritten = append(notWritten, id)
		e := L.CreateTable(0, 3)
		e.RawSetString("connection_id", lua.LString(id))
		e.RawSetString("key", lua.LString(t.failed.key))
		ev := errorValue(L, op, t.failed.target, t.err)
		ev.RawSetString("key", lua.LString(t.failed.key))
		e.RawSetString("err", ev)
		errs.Append(e)
	}
	if s.overlay != nil {
		for next() != nil {
		}
	} else {
		stopped := s.runTasks(ctxOf(L), poolSize(o.concurrency, n), next, done)
		if stopped {
			// The run is ending (timeout or cancellation) and the script
			// will not see the summary: say here which half was written.
			s.log.Warn("sora.update_all: stopped before the end", "channel_id", ch,
				"written", len(written), "not_written", len(notWritten),
				"written_ids", someIDs(written), "not_written_ids", someIDs(notWritten))
		}
	}
	if failed > 0 {
		s.log.Warn("sora.update_all: writes failed", "channel_id", ch, "failed", failed, "changed", changed,
			"not_written_ids", someIDs(notWritten),
			"error", lua.LVAsString(L.ToStringMeta(errs.RawGetInt(1).(*lua.LTable).RawGetString("err"))))
	}
	sum := L.CreateTable(0, 7)
	sum.RawSetString("connections", lua.LNumber(n))
	sum.RawSetString("changed", lua.LNumber(changed))
	sum.RawSetString("writes", lua.LNumber(writes))
	sum.RawSetString("failed", lua.LNumber(failed))
	sum.RawSetString("errors", errs)
	sum.RawSetString("written", idArray(L, written))
	sum.RawSetString("not_written", idArray(L, notWritten))
	L.Push(sum)
	return 1
}

// idArray returns ids sorted as a Lua array marked as JSON array.
func idArray(L *lua.LState, ids []string) *lua.LTable {
	slices.Sort(ids)
	t := L.CreateTable(len(ids), 0)
	for _, id := range ids {
		t.Append(lua.LString(id))
	}
	MarkArray(L, t)
	return t
}

// maxLoggedIDs bounds the connection ids one log line lists.
const maxLoggedIDs = 100

// someIDs returns ids, sorted, for a log line: all of them up to
// maxLoggedIDs, then the count of the rest.
func someIDs(ids []string) string {
	sorted := slices.Sorted(slices.Values(ids))
	if len(sorted) <= maxLoggedIDs {
		return strings.Join(sorted, ",")
	}
	return strings.Join(sorted[:maxLoggedIDs], ",") + fmt.Sprintf(",... (%d more)", len(sorted)-maxLoggedIDs)
}
