package sora

import (
	lua "github.com/yuin/gopher-lua"

	"github.com/soracron/soracron/bindings/internal/tableindex"
	luajson "github.com/soracron/soracron/bindings/json"
)

// lazyResults are the successful results of one batch, filled in when the
// script first uses them (see luajson.NewLazyMetatable): until then a
// result is an empty table (about 150 bytes) and its reply's JSON text,
// where {ok = true, value = ...} with the decoded value takes well over a
// kilobyte, so that a batch of 100,000 requests does not build 200,000
// tables the script may never read. Reading ok leaves it lazy (Index).
//
// The replies are copied into chunks and found from their result by its
// request's place (tableindex), so that a script reading them in order
// finds each without a map, and the garbage collector has no reply of its
// own to follow and free per request.
type lazyResults struct {
	L     *lua.LState
	mt    *lua.LTable      // the metatable of the results not filled yet, made by the first add
	reply tableindex.Index // the results not filled yet, at their request's place, with their replies
}

// newLazyResults returns the lazy results of a batch of n requests run by
// L (0 when not known).
func newLazyResults(L *lua.LState, n int) *lazyResults {
	lr := &lazyResults{L: L}
	lr.reply.Grow(n)
	return lr
}

// add returns the result of request i (from 0), whose reply (which Decode
// accepts) is reply.
func (lr *lazyResults) add(i int, reply []byte) *lua.LTable {
	if lr.mt == nil {
		lr.mt = luajson.NewLazyMetatable(lr.L, lr)
	}
	// Sized for ok and value: a Go map of two is only its header until
	// the first field is set, where a table made without the size would
	// get a map of 32 at its first field.
	t := lr.L.CreateTable(0, 2)
	t.Metatable = lr.mt
	lr.reply.Put(i, t, reply)
	return t
}

// has reports whether t is a result of lr not filled yet (lr may be nil):
// such a result has lr's metatable, which Fill removes and a script cannot
// change (it is protected).
func (lr *lazyResults) has(t *lua.LTable) bool {
	return lr != nil && lr.mt != nil && t.Metatable == lr.mt
}

// Index implements luajson.Indexer: a result's ok (and any field it does
// not have) is read without filling it, so that a script checking every
// result of a big batch (if not r.ok then ...) decodes no reply; value
// fills it first.
func (lr *lazyResults) Index(t *lua.LTable, k lua.LValue) lua.LValue {
	switch k {
	case lua.LString("ok"):
		return lua.LTrue // a lazy result is a success (an ok set raw before is read raw)
	case lua.LString("value"):
		lr.Fill(t)
		return t.RawGet(k)
	}
	return lua.LNil
}

// Fill makes t the table {ok = true, value = <the decoded reply>}, keeping
// any field set raw before.
func (lr *lazyResults) Fill(t *lua.LTable) {
	t.Metatable = lua.LNil
	reply, ok := lr.reply.Remove(t)
	if !ok {
		return
	}
	v, err := luajson.Decode(lr.L, reply)
	if err != nil {
		v = lua.LNil // cannot happen: add takes replies that decode
	}
	for _, f := range []struct {
		k string
		v lua.LValue
	}{{"ok", lua.LTrue}, {"value", v}} {
		if t.RawGetString(f.k) == lua.LNil {
			t.RawSetString(f.k, f.v)
		}
	}
}
