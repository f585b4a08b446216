package sora

import (
	"fmt"
	"slices"

	lua "github.com/yuin/gopher-lua"

	luajson "github.com/soracron/soracron/bindings/json"
	"github.com/soracron/soracron/bindings/plan"
)

// listFields sends the List request r and returns its connections with
// only the members fields each (sora.list's opts.fields): the reply is
// read as a stream, one connection at a time. Each connection is kept as
// the text of the members asked for and given as a lazy table
// (luajson.Objects.AddMembers), so that the ids of a big channel cost
// little more than their text. In a dry run whose fields include metadata,
// the overlay's metadata replaces the reply's, as for a whole List: a
// connection the run wrote is filled and given it, found by its id (read
// from the text, luajson.Field). Only when metadata is asked for without
// connection_id is each connection decoded at once (luajson.DecodeMembers,
// which builds the members asked for and the id, and only checks the
// others' syntax). An element that is not an object is decoded whole.
func (s *Module) listFields(L *lua.LState, r *plan.Request, fields []string) (lua.LValue, error) {
	keys, idAt, mdAt := fields, -1, -1
	if s.overlay != nil {
		if mdAt = slices.Index(fields, "metadata"); mdAt >= 0 {
			if idAt = slices.Index(fields, "connection_id"); idAt < 0 {
				keys, idAt = append(slices.Clip(fields), "connection_id"), len(fields)
			}
		}
	}
	vals := make([]lua.LValue, len(keys))
	var out *lua.LTable
	var objs *luajson.Objects
	err := s.streamList(L, r, func() {
		out = L.CreateTable(0, 0) // afresh: a retry reads the reply again
		objs = luajson.NewObjects(L)
	}, func(i int, elem []byte) error {
		if s.overlay == nil || mdAt < 0 || idAt < len(fields) { // kept as the text of the members asked for
			v, err := objs.AddMembers(elem, 1, fields)
			if err != nil {
				return fmt.Errorf("list reply, connection %d: %w", i, err)
			}
			if mdAt >= 0 && s.overlay != nil {
				if err := s.applyConn(L, r.ChannelID, v); err != nil {
					return err
				}
			}
			out.RawSetInt(i, v)
			return nil
		}
		if len(elem) == 0 || elem[0] != '{' {
			v, err := luajson.Decode(L, elem)
			if err != nil {
				return fmt.Errorf("list reply, connection %d: %w", i, err)
			}
			out.RawSetInt(i, v)
			return nil
		}
		if _, err := luajson.DecodeMembers(L, elem, keys, vals); err != nil {
			return fmt.Errorf("list reply, connection %d: %w", i, err)
		}
		if mdAt >= 0 {
			if id, ok := vals[idAt].(lua.LString); ok {
				if e := s.overlay.Entry(r.ChannelID, string(id)); e != nil {
					md, err := s.toLua(L, e)
					if err != nil {
						return err
					}
					vals[mdAt] = md
				}
			}
		}
		c := L.CreateTable(0, len(fields))
		for k, f := range fields {
			if vals[k] != nil {
				c.RawSetString(f, vals[k])
			}
		}
		luajson.MarkObject(L, c)
		out.RawSetInt(i, c)
		return nil
	})
	if err != nil {
		return nil, err
	}
	luajson.MarkArray(L, out)
	return out, nil
}
