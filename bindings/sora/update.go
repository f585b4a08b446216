package sora

import (
	"bytes"
	"fmt"
	"slices"

	lua "github.com/yuin/gopher-lua"

	luajson "github.com/soracron/soracron/bindings/json"
	"github.com/soracron/soracron/bindings/plan"
)

// oldValue is a metadata value as it was before the script's function ran:
// scalars are kept as Lua values (compared with ==), tables as their
// canonical JSON, since the function may change them in place.
type oldValue struct {
	v   lua.LValue
	enc []byte
}

// snapshotMetadata records md before the script's function runs.
func snapshotMetadata(md *lua.LTable) (map[string]oldValue, error) {
	snap := map[string]oldValue{}
	var err error
	luajson.Fill(md)
	md.ForEach(func(k, v lua.LValue) {
		key, ok := k.(lua.LString)
		if !ok {
			err = fmt.Errorf("metadata key %s is not a string", k)
			return
		}
		o := oldValue{v: v}
		if t, ok := v.(*lua.LTable); ok {
			if o.enc, err = luajson.Encode(t); err != nil {
				return
			}
			o.v = nil
		}
		snap[string(key)] = o
	})
	return snap, err
}

// restoreMetadata returns the metadata recorded by snapshotMetadata as a new table.
func restoreMetadata(L *lua.LState, old map[string]oldValue) (lua.LValue, error) {
	m := make(map[string][]byte, len(old))
	for k, o := range old {
		enc := o.enc
		if enc == nil {
			var err error
			if enc, err = luajson.Encode(o.v); err != nil {
				return nil, err
			}
		}
		m[k] = enc
	}
	return luajson.Decode(L, plan.JoinObject(m))
}

// diffMetadata returns the writes that turn old into md, one key each, in key
// order: put_item for a key added or changed, delete_item for a key
// removed. Values are compared as canonical JSON.
func diffMetadata(old map[string]oldValue, md *lua.LTable, channelID, connectionID string, push bool) ([]*plan.Request, error) {
	type change struct {
		key   string
		value []byte // nil: delete
	}
	var changes []change
	seen := 0
	var err error
	luajson.Fill(md) // a lazy table (a batch's result) returned untouched is written filled
	md.ForEach(func(k, v lua.LValue) {
		if err != nil {
			return
		}
		key, ok := k.(lua.LString)
		if !ok {
			err = fmt.Errorf("metadata must be an object with string keys, got key %s", k)
			return
		}
		o, had := old[string(key)]
		if had {
			seen++
			if _, isTable := v.(*lua.LTable); !isTable && o.enc == nil && o.v == v {
				return // same scalar
			}
		}
		var enc []byte
		if enc, err = luajson.Encode(v); err != nil {
			err = fmt.Errorf("metadata.%s: %w", key, err)
			return
		}
		if had {
			if o.enc == nil {
				if o.enc, err = luajson.Encode(o.v); err != nil {
					return
				}
			}
			if bytes.Equal(o.enc, enc) {
				return
			}
		}
		changes = append(changes, change{string(key), enc})
	})
	if err != nil {
		return nil, err
	}
	if seen < len(old) {
		for k := range old {
			if md.RawGetString(k) == lua.LNil {
				changes = append(changes, change{key: k})
			}
		}
	}
	slices.SortFunc(changes, func(a, b change) int {
		return bytes.Compare([]byte(a.key), []byte(b.key))
	})
	reqs := make([]*plan.Request, len(changes))
	for i, c := range changes {
		action := actPutItem
		if c.value == nil {
			action = actDeleteItem
		}
		if reqs[i], err = newRequest(action, channelID, connectionID, c.key, c.value, push); err != nil {
			return nil, err
		}
	}
	return reqs, nil
}

// callUpdate calls fn with args and returns the metadata it asks for: its
// returned table, or md (changed in place) when it returns nil and
// nilMeansSame; nil when the connection is to be left alone.
func callUpdate(L *lua.LState, op string, fn *lua.LFunction, md *lua.LTable, nilMeansSame bool, args ...lua.LValue) *lua.LTable {
	L.Push(fn)
	for _, a := range args {
		L.Push(a)
	}
	L.Call(len(args), 1)
	ret := L.Get(-1)
	L.Pop(1)
	switch v := ret.(type) {
	case *lua.LTable:
		return v
	case *lua.LNilType:
		if nilMeansSame {
			return md
		}
		return nil
	case lua.LBool:
		if !v {
			return nil
		}
	}
	L.RaiseError("%s: the function must return a table, nil or false, got %s", op, ret.Type())
	return nil
}

// sora.update(channel_id, connection_id, fn [, {push = bool}]) -> metadata after, writes
//
// Reads the metadata and calls fn(md) with a copy of it. fn may change md in
// place and return nothing, or return a new table; returning false leaves
// the connection alone. Only the keys that differ are written, with
// put_item / delete_item one after the other in key order (so the reply of
// the last write is the metadata after, and pushes arrive in that order);
// nothing is written, and nothing pushed, when nothing changed. The first
// failed write stops the update: nil, err with err.key.
func (s *Module) luaUpdate(L *lua.LState) int {
	ch, conn := L.CheckString(1), L.CheckString(2)
	fn := L.CheckFunction(3)
	o := s.checkOpts(L, 4, "push")
	const op = "sora.update"
	get := mustRequest(L, actGet, ch, conn, "", nil, false)
	get.Op = op
	mdv, err := s.read(L, get)
	if err != nil {
		return pushError(L, op, get.Target, err)
	}
	md, ok := mdv.(*lua.LTable)
	if !ok {
		return pushError(L, op, get.Target, fmt.Errorf("metadata is not an object"))
	}
	old, err := snapshotMetadata(md)
	if err != nil {
		return pushError(L, op, get.Target, err)
	}
	var orig []byte
	if s.overlay != nil && s.overlay.Entry(ch, conn) == nil {
		if orig, err = luajson.Encode(md); err != nil {
			return pushError(L, op, get.Target, err)
		}
	}
	next := callUpdate(L, op, fn, md, true, md)
	if next == nil {
		// fn may have changed md before returning false: return the
		// metadata as read.
		before, err := restoreMetadata(L, old)
		if err != nil {
			return pushError(L, op, get.Target, err)
		}
		L.Push(before)
		L.Push(lua.LNumber(0))
		return 2
	}
	writes, err := diffMetadata(old, next, ch, conn, o.push)
	if err != nil {
		L.RaiseError("%s: %v", op, err)
	}
	if len(writes) == 0 {
		L.Push(next)
		L.Push(lua.LNumber(0))
		return 2
	}
	var after lua.LValue
	if s.overlay != nil {
		after, err = s.dryWrites(L, ch, conn, orig, writes)
	} else {
		t := &plan.Task{Reqs: writes}
		s.pool().Execute(ctxOf(L), t)
		if t.Err != nil {
			e, _ := s.writeErrorValue(L, op, t.Failed.Target, true, t.Err)
			e.RawSetString("key", lua.LString(t.Failed.Key))
			L.Push(lua.LNil)
			L.Push(e)
			return 2
		}
		after, err = luajson.Decode(L, t.Reply)
	}
	if err != nil {
		return pushError(L, op, writes[0].Target, err)
	}
	L.Push(after)
	L.Push(lua.LNumber(len(writes)))
	return 2
}

// read performs a read (get or list) counted in Stats, through the overlay
// in a dry run.
func (s *Module) read(L *lua.LState, r *plan.Request) (lua.LValue, error) {
	ctx := ctxOf(L)
	var v lua.LValue
	var err error
	if s.overlay != nil {
		v, err = s.dry(L, r, s.liveRead(ctx), s.liveFetch(ctx))
	} else {
		v, err = s.readLive(ctx, L, r)
	}
	s.countReq(r, err)
	return v, err
}

// dryWrites applies writes of one connection to the overlay (dryApply)
// and returns the metadata after.
func (s *Module) dryWrites(L *lua.LState, ch, conn string, orig []byte, writes []*plan.Request) (lua.LValue, error) {
	if err := s.dryApply(ch, conn, orig, writes); err != nil {
		return nil, err
	}
	return s.toLua(L, s.overlay.Entry(ch, conn))
}

// dryApply applies writes of one connection to the overlay, seeding it with
// orig, the metadata read, when the connection has no entry yet.
func (s *Module) dryApply(ch, conn string, orig []byte, writes []*plan.Request) error {
	e := s.overlay.Entry(ch, conn)
	if e == nil {
		var err error
		if e, err = s.overlay.Seed(ch, conn, orig); err != nil {
			return err
		}
	}
	for _, w := range writes {
		if err := s.overlay.Apply(e, w); err != nil {
			return err
		}
		s.count(w.Action, true, nil)
	}
	return nil
}
