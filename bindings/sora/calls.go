package sora

import (
	"context"
	"encoding/json"
	"io"
	"strings"

	lua "github.com/yuin/gopher-lua"

	luajson "github.com/soracron/soracron/bindings/json"
	"github.com/soracron/soracron/bindings/plan"
	"github.com/soracron/soracron/bindings/sora/soraerr"
	"github.com/soracron/soracron/sora"
)

// sora.list(channel_id [, {fields = {...}}])
func (s *Module) luaList(L *lua.LState) int {
	ch := L.CheckString(1)
	o := s.checkOpts(L, 2, "fields")
	r := mustRequest(L, actList, ch, "", "", nil, false)
	if o.fields == nil {
		return s.single(L, r)
	}
	v, err := s.listFields(L, r, o.fields)
	s.countReq(r, err)
	if err != nil {
		return s.pushWriteError(L, r, err)
	}
	L.Push(v)
	return 1
}

// sora.get(channel_id, connection_id)
func (s *Module) luaGet(L *lua.LState) int {
	ch, conn := L.CheckString(1), L.CheckString(2)
	return s.single(L, mustRequest(L, actGet, ch, conn, "", nil, false))
}

// sora.put(channel_id, connection_id, metadata [, {push = bool}])
func (s *Module) luaPut(L *lua.LState) int {
	ch, conn := L.CheckString(1), L.CheckString(2)
	L.CheckTable(3)
	md, err := encodeMetadata(L.Get(3))
	if err != nil {
		L.ArgError(3, err.Error())
	}
	o := s.checkOpts(L, 4, "push")
	return s.single(L, mustRequest(L, actPut, ch, conn, "", md, o.push))
}

// sora.delete(channel_id, connection_id [, {push = bool}])
func (s *Module) luaDelete(L *lua.LState) int {
	ch, conn := L.CheckString(1), L.CheckString(2)
	o := s.checkOpts(L, 3, "push")
	return s.single(L, mustRequest(L, actDelete, ch, conn, "", nil, o.push))
}

// sora.put_item(channel_id, connection_id, key, value [, {push = bool}])
func (s *Module) luaPutItem(L *lua.LState) int {
	ch, conn, key := L.CheckString(1), L.CheckString(2), L.CheckString(3)
	value, err := encodeValue(L.Get(4))
	if err != nil {
		L.ArgError(4, err.Error())
	}
	o := s.checkOpts(L, 5, "push")
	return s.single(L, mustRequest(L, actPutItem, ch, conn, key, value, o.push))
}

// sora.delete_item(channel_id, connection_id, key [, {push = bool}])
func (s *Module) luaDeleteItem(L *lua.LState) int {
	ch, conn, key := L.CheckString(1), L.CheckString(2), L.CheckString(3)
	o := s.checkOpts(L, 4, "push")
	return s.single(L, mustRequest(L, actDeleteItem, ch, conn, key, nil, o.push))
}

// sora.call(target [, params]): any target, the reply decoded. In a dry run
// the six metadata actions behave like their functions (writes go to the
// overlay, reads see it), other reads (List*, Get*) are sent, and any other
// target returns nil, err of type "dry_run" without being sent.
func (s *Module) luaCall(L *lua.LState) int {
	target := L.CheckString(1)
	full, err := sora.FullTarget(target)
	if err != nil {
		L.ArgError(1, err.Error())
	}
	params := L.Get(2)
	if params != lua.LNil {
		L.CheckTable(2)
	}
	if s.overlay != nil {
		if sora.IsMetadata(full) {
			t, ok := params.(*lua.LTable)
			if !ok {
				L.ArgError(2, "params table expected, got nil")
			}
			r := parseRequest(L, 2, "params", t, sora.ActionName(full))
			r.Op = "sora.call"
			return s.single(L, r)
		}
		if !readOnlyTarget(full) {
			s.countReq(&plan.Request{Action: sora.ActionName(full), Target: full}, soraerr.ErrDryRun)
			return pushError(L, "sora.call", full, soraerr.ErrDryRun)
		}
	}
	body, err := encodeParams(params)
	if err != nil {
		L.ArgError(2, err.Error())
	}
	r := &plan.Request{Action: sora.ActionName(full), Op: "sora.call", Target: full, Body: body, Write: sora.IsWrite(full)}
	return s.send(L, r)
}

// readOnlyTarget reports whether target only reads (its action starts with List
// or Get), so that a dry run may send it.
func readOnlyTarget(target string) bool {
	action := target[strings.LastIndexByte(target, '.')+1:]
	return strings.HasPrefix(action, "List") || strings.HasPrefix(action, "Get")
}

// single performs one metadata request on the Lua goroutine and pushes its
// results: the decoded reply, or nil, err.
func (s *Module) single(L *lua.LState, r *plan.Request) int {
	if s.overlay == nil {
		return s.send(L, r)
	}
	ctx := ctxOf(L)
	v, err := s.dry(L, r, s.liveRead(ctx), s.liveFetch(ctx))
	s.countReq(r, err)
	if err != nil {
		return s.pushWriteError(L, r, err)
	}
	L.Push(v)
	return 1
}

// pushWriteError pushes nil, err for the failure of r (a failed write gets
// a failure id for sora.handled) and returns 2.
func (s *Module) pushWriteError(L *lua.LState, r *plan.Request, err error) int {
	e, _ := s.writeErrorValue(L, r.Op, r.Target, r.Write, err)
	L.Push(lua.LNil)
	L.Push(e)
	return 2
}

// send sends r and pushes the decoded reply, or nil, err.
func (s *Module) send(L *lua.LState, r *plan.Request) int {
	if !r.Write {
		v, err := s.readLive(ctxOf(L), L, r)
		s.countReq(r, err)
		if err != nil {
			return s.pushWriteError(L, r, err)
		}
		L.Push(v)
		return 1
	}
	raw, err := s.client.Call(ctxOf(L), r.Target, r.RawBody())
	if err != nil {
		s.countReq(r, err)
		return s.pushWriteError(L, r, err)
	}
	v, err := luajson.Decode(L, raw)
	s.count(r.Action, true, nil) // a write whose reply does not decode was made all the same
	if err != nil {
		return pushError(L, r.Op, r.Target, err)
	}
	L.Push(v)
	return 1
}

// readLive sends the read r and decodes its reply as it arrives: a List
// of a big channel is never held whole next to its Lua values. Each object
// of a top-level array (a List's connections) is kept as its text and
// given as a lazy table (luajson.Objects), so that a List of 100,000
// connections costs its text rather than 100,000 tables of a kilobyte or
// more, and reading c.connection_id builds none; any other reply is
// decoded as it is. Go code reading such a connection uses luajson.Field
// or luajson.Fill, not RawGet.
func (s *Module) readLive(ctx context.Context, L *lua.LState, r *plan.Request) (lua.LValue, error) {
	var v lua.LValue
	err := s.client.Stream(ctx, r.Target, r.RawBody(), func(body io.Reader) error {
		var err error
		v, err = luajson.DecodeReaderLazy(L, body, luajson.NewObjects(L)) // afresh: a retry reads the reply again
		return err
	})
	return v, err
}

// liveRead returns the read function of dry that sends the request.
func (s *Module) liveRead(ctx context.Context) func(*plan.Request) (json.RawMessage, error) {
	return func(r *plan.Request) (json.RawMessage, error) {
		return s.client.Call(ctx, r.Target, r.RawBody())
	}
}

// liveFetch returns the fetch function of dry that gets the metadata from
// the server.
func (s *Module) liveFetch(ctx context.Context) func(ch, conn string) (json.RawMessage, error) {
	return func(ch, conn string) (json.RawMessage, error) {
		return s.fetch(ctx, ch, conn)
	}
}

// fetch reads a connection's metadata from the server (a dry run's read
// before the first write of a connection; not counted in Stats).
func (s *Module) fetch(ctx context.Context, channelID, connectionID string) (json.RawMessage, error) {
	r, err := newRequest(actGet, channelID, connectionID, "", nil, false)
	if err != nil {
		return nil, err
	}
	return s.client.Call(ctx, r.Target, r.RawBody())
}

// dry performs r in a dry run: reads go to the server (a list streamed as
// it arrives, read for read-only calls, fetch for a connection's metadata)
// and then see the overlay; writes change the overlay and return what Sora
// would have.
func (s *Module) dry(L *lua.LState, r *plan.Request, read func(*plan.Request) (json.RawMessage, error),
	fetch func(ch, conn string) (json.RawMessage, error)) (lua.LValue, error) {
	ov := s.overlay
	switch r.Action {
	case actList:
		// Streamed and kept as text like a live List, then the overlay
		// applied to it.
		v, err := s.readLive(ctxOf(L), L, r)
		if err != nil {
			return nil, err
		}
		if err := s.applyList(L, r.ChannelID, v); err != nil {
			return nil, err
		}
		return v, nil
	case actGet:
		raw, err := fetch(r.ChannelID, r.ConnectionID)
		if err != nil {
			return nil, err
		}
		if e := ov.Entry(r.ChannelID, r.ConnectionID); e != nil {
			return s.toLua(L, e)
		}
		return luajson.Decode(L, raw)
	}
	if !r.Write {
		raw, err := read(r)
		if err != nil {
			return nil, err
		}
		return luajson.Decode(L, raw)
	}
	e := ov.Entry(r.ChannelID, r.ConnectionID)
	if e == nil {
		raw, err := fetch(r.ChannelID, r.ConnectionID)
		if err != nil {
			return nil, soraerr.Retarget(err, r.Target)
		}
		v, err := luajson.Decode(L, raw)
		if err != nil {
			return nil, err
		}
		canon, err := luajson.Encode(v)
		if err != nil {
			return nil, err
		}
		if e, err = ov.Seed(r.ChannelID, r.ConnectionID, canon); err != nil {
			return nil, err
		}
	}
	var before lua.LValue
	if r.Action == actDelete {
		var err error
		if before, err = s.toLua(L, e); err != nil {
			return nil, err
		}
	}
	if err := ov.Apply(e, r); err != nil {
		return nil, err
	}
	if before != nil {
		return before, nil
	}
	return s.toLua(L, e)
}

// toLua returns e's current metadata in the dry-run overlay as a Lua table.
func (s *Module) toLua(L *lua.LState, e *plan.Entry) (lua.LValue, error) {
	return luajson.Decode(L, s.overlay.Current(e))
}

// applyList replaces, in a List reply (lazy tables or decoded), the
// metadata of connections the overlay has; a lazy connection the run did
// not write stays unfilled.
func (s *Module) applyList(L *lua.LState, channelID string, list lua.LValue) error {
	t, ok := list.(*lua.LTable)
	if !ok {
		return nil
	}
	n := t.Len()
	for i := 1; i <= n; i++ {
		if err := s.applyConn(L, channelID, t.RawGetInt(i)); err != nil {
			return err
		}
	}
	return nil
}

// applyConn gives the connection c of a List reply (a lazy table or a
// decoded one) the overlay's metadata when the run wrote it, filling it
// then; another stays as it is, a lazy one unfilled (its id is read from
// the text).
func (s *Module) applyConn(L *lua.LState, channelID string, v lua.LValue) error {
	c, ok := v.(*lua.LTable)
	if !ok {
		return nil
	}
	id, _ := luajson.Field(c, "connection_id").(lua.LString)
	e := s.overlay.Entry(channelID, string(id))
	if e == nil {
		return nil
	}
	md, err := s.toLua(L, e)
	if err != nil {
		return err
	}
	luajson.Fill(c)
	c.RawSetString("metadata", md)
	return nil
}
