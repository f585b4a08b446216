package bindings

import (
	"context"
	"encoding/json"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/soracron/soracron/sora"
)

// sora.list(channel_id)
func (s *Sora) luaList(L *lua.LState) int {
	ch := L.CheckString(1)
	return s.single(L, mustRequest(L, actList, ch, "", "", nil, false))
}

// sora.get(channel_id, connection_id)
func (s *Sora) luaGet(L *lua.LState) int {
	ch, conn := L.CheckString(1), L.CheckString(2)
	return s.single(L, mustRequest(L, actGet, ch, conn, "", nil, false))
}

// sora.put(channel_id, connection_id, metadata [, {push = bool}])
func (s *Sora) luaPut(L *lua.LState) int {
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
func (s *Sora) luaDelete(L *lua.LState) int {
	ch, conn := L.CheckString(1), L.CheckString(2)
	o := s.checkOpts(L, 3, "push")
	return s.single(L, mustRequest(L, actDelete, ch, conn, "", nil, o.push))
}

// sora.put_item(channel_id, connection_id, key, value [, {push = bool}])
func (s *Sora) luaPutItem(L *lua.LState) int {
	ch, conn, key := L.CheckString(1), L.CheckString(2), L.CheckString(3)
	value, err := encodeValue(L.Get(4))
	if err != nil {
		L.ArgError(4, err.Error())
	}
	o := s.checkOpts(L, 5, "push")
	return s.single(L, mustRequest(L, actPutItem, ch, conn, key, value, o.push))
}

// sora.delete_item(channel_id, connection_id, key [, {push = bool}])
func (s *Sora) luaDeleteItem(L *lua.LState) int {
	ch, conn, key := L.CheckString(1), L.CheckString(2), L.CheckString(3)
	o := s.checkOpts(L, 4, "push")
	return s.single(L, mustRequest(L, actDeleteItem, ch, conn, key, nil, o.push))
}

// sora.call(target [, params]): any target, the reply decoded. In a dry run
// the six metadata actions behave like their functions (writes go to the
// overlay, reads see it), other reads (List*, Get*) are sent, and any other
// target returns nil, err of type "dry_run" without being sent.
func (s *Sora) luaCall(L *lua.LState) int {
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
		if isMetadataTarget(full) {
			t, ok := params.(*lua.LTable)
			if !ok {
				L.ArgError(2, "params table expected, got nil")
			}
			r := parseRequest(L, 2, "params", t, sora.ActionName(full))
			r.op = "sora.call"
			return s.single(L, r)
		}
		if !readOnlyTarget(full) {
			s.count(sora.ActionName(full), true, false)
			return pushError(L, "sora.call", full, errDryRun)
		}
	}
	body, err := encodeParams(params)
	if err != nil {
		L.ArgError(2, err.Error())
	}
	r := &soraRequest{action: sora.ActionName(full), op: "sora.call", target: full, body: body, write: sora.IsWrite(full)}
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
func (s *Sora) single(L *lua.LState, r *soraRequest) int {
	if s.overlay == nil {
		return s.send(L, r)
	}
	ctx := ctxOf(L)
	v, err := s.dry(L, r, s.liveRead(ctx), s.liveFetch(ctx))
	s.count(r.action, err != nil, r.write && err == nil)
	if err != nil {
		return pushError(L, r.op, r.target, err)
	}
	L.Push(v)
	return 1
}

// send sends r and pushes the decoded reply, or nil, err.
func (s *Sora) send(L *lua.LState, r *soraRequest) int {
	raw, err := s.client.Call(ctxOf(L), r.target, rawBody(r))
	var v lua.LValue
	if err == nil {
		v, err = DecodeJSON(L, raw)
	}
	s.count(r.action, err != nil, r.write && err == nil)
	if err != nil {
		return pushError(L, r.op, r.target, err)
	}
	L.Push(v)
	return 1
}

// liveRead returns the read function of dry that sends the request.
func (s *Sora) liveRead(ctx context.Context) func(*soraRequest) (json.RawMessage, error) {
	return func(r *soraRequest) (json.RawMessage, error) {
		return s.client.Call(ctx, r.target, rawBody(r))
	}
}

// liveFetch returns the fetch function of dry that gets the metadata from
// the server.
func (s *Sora) liveFetch(ctx context.Context) func(ch, conn string) (json.RawMessage, error) {
	return func(ch, conn string) (json.RawMessage, error) {
		return s.fetch(ctx, ch, conn)
	}
}

// fetch reads a connection's metadata from the server (a dry run's read
// before the first write of a connection; not counted in Stats).
func (s *Sora) fetch(ctx context.Context, channelID, connectionID string) (json.RawMessage, error) {
	r, err := newRequest(actGet, channelID, connectionID, "", nil, false)
	if err != nil {
		return nil, err
	}
	return s.client.Call(ctx, r.target, rawBody(r))
}

// dry performs r in a dry run: reads go to the server (read for list and
// read-only calls, fetch for a connection's metadata) and then see the
// overlay; writes change the overlay and return what Sora would have.
func (s *Sora) dry(L *lua.LState, r *soraRequest, read func(*soraRequest) (json.RawMessage, error),
	fetch func(ch, conn string) (json.RawMessage, error)) (lua.LValue, error) {
	ov := s.overlay
	switch r.action {
	case actList:
		raw, err := read(r)
		if err != nil {
			return nil, err
		}
		v, err := DecodeJSON(L, raw)
		if err != nil {
			return nil, err
		}
		if err := ov.applyList(L, r.channelID, v); err != nil {
			return nil, err
		}
		return v, nil
	case actGet:
		raw, err := fetch(r.channelID, r.connectionID)
		if err != nil {
			return nil, err
		}
		if e := ov.entry(r.channelID, r.connectionID); e != nil {
			return ov.toLua(L, e)
		}
		return DecodeJSON(L, raw)
	}
	if !r.write {
		raw, err := read(r)
		if err != nil {
			return nil, err
		}
		return DecodeJSON(L, raw)
	}
	e := ov.entry(r.channelID, r.connectionID)
	if e == nil {
		raw, err := fetch(r.channelID, r.connectionID)
		if err != nil {
			return nil, retarget(err, r.target)
		}
		v, err := DecodeJSON(L, raw)
		if err != nil {
			return nil, err
		}
		canon, err := EncodeJSON(v)
		if err != nil {
			return nil, err
		}
		if e, err = ov.seed(r.channelID, r.connectionID, canon); err != nil {
			return nil, err
		}
	}
	var before lua.LValue
	if r.action == actDelete {
		var err error
		if before, err = ov.toLua(L, e); err != nil {
			return nil, err
		}
	}
	if err := ov.apply(e, r); err != nil {
		return nil, err
	}
	if before != nil {
		return before, nil
	}
	return ov.toLua(L, e)
}
