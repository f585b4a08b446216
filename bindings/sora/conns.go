package sora

import (
	"encoding/json"
	"errors"
	"io"

	lua "github.com/yuin/gopher-lua"

	luajson "github.com/soracron/soracron/bindings/json"
	"github.com/soracron/soracron/bindings/plan"
)

// connList is the List reply update_all works on. Outside a dry run it
// keeps each connection as its JSON text and decodes it into Lua only
// when the callback gets to it, so that a big channel's tables do not all
// live at once; in a dry run (whose reads must see the overlay) it is the
// List as sora.list gives it: lazy tables (luajson.Objects), the
// overlay's metadata in those the run wrote.
type connList struct {
	arr   *lua.LTable // the decoded List, in a dry run
	text  []byte      // the connections' JSON texts, one after the other
	start []int       // connection i is text[start[i]:start[i+1]]
}

// errNotArray is the error of a List reply that is not an array.
var errNotArray = errors.New("list reply is not an array")

// listConns sends the List request r and returns its connections.
func (s *Module) listConns(L *lua.LState, r *plan.Request) (*connList, error) {
	if s.overlay != nil {
		lv, err := s.read(L, r)
		if err != nil {
			return nil, err
		}
		arr, ok := lv.(*lua.LTable)
		if !ok {
			L.RaiseError("%s: %v", r.Op, errNotArray)
		}
		return &connList{arr: arr}, nil
	}
	cl := &connList{}
	err := s.streamList(L, r, func() {
		cl.text, cl.start = cl.text[:0], append(cl.start[:0], 0)
	}, func(_ int, elem []byte) error {
		cl.text = append(cl.text, elem...)
		cl.start = append(cl.start, len(cl.text))
		return nil
	})
	s.countReq(r, err)
	if err != nil {
		return nil, err
	}
	return cl, nil
}

// streamList sends the List request r and calls each with every
// connection's JSON text as it arrives (i from 1). A retry reads the reply
// again: start is called before each reading.
func (s *Module) streamList(L *lua.LState, r *plan.Request, start func(), each func(i int, elem []byte) error) error {
	return s.client.Stream(ctxOf(L), r.Target, r.RawBody(), func(body io.Reader) error {
		start()
		i := 0
		return luajson.ForEachElement(body, func(elem []byte) error {
			i++
			return each(i, elem)
		})
	})
}

// len is the number of connections.
func (cl *connList) len() int {
	if cl.arr != nil {
		return cl.arr.Len()
	}
	return len(cl.start) - 1
}

// at returns the i-th connection (from 0) as a Lua value; its JSON text
// is decoded now (a bad one raises a Lua error naming its place).
func (cl *connList) at(L *lua.LState, i int) lua.LValue {
	if cl.arr != nil {
		return cl.arr.RawGetInt(i + 1)
	}
	v, err := luajson.Decode(L, cl.text[cl.start[i]:cl.start[i+1]])
	if err != nil {
		L.RaiseError("sora.update_all: list reply, connection %d: %v", i+1, err)
	}
	return v
}

// idAndMetadata returns the connection_id and metadata members of the i-th
// connection, decoded without the rest of it (the callback does not take
// the connection); ok is false when the connection is not a table. It is
// only for a List kept as text.
func (cl *connList) idAndMetadata(L *lua.LState, i int) (id, md lua.LValue, ok bool) {
	keys := [2]string{"connection_id", "metadata"}
	var vals [2]lua.LValue
	ok, err := luajson.DecodeMembers(L, cl.text[cl.start[i]:cl.start[i+1]], keys[:], vals[:])
	if err != nil {
		L.RaiseError("sora.update_all: list reply, connection %d: %v", i+1, err)
	}
	return vals[0], vals[1], ok
}

// id returns the id of the i-th connection, "" when it has none. It
// needs no LState: UpdateAll calls it as it ends, also while a Lua error
// unwinds.
func (cl *connList) id(i int) string {
	if cl.arr != nil {
		if c, ok := cl.arr.RawGetInt(i + 1).(*lua.LTable); ok {
			return lua.LVAsString(luajson.Field(c, "connection_id")) // runs no Lua
		}
		return ""
	}
	var c struct {
		ConnectionID string `json:"connection_id"`
	}
	_ = json.Unmarshal(cl.text[cl.start[i]:cl.start[i+1]], &c)
	return c.ConnectionID
}
