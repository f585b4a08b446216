package sora

import (
	lua "github.com/yuin/gopher-lua"

	luajson "github.com/soracron/soracron/bindings/json"
)

// lazyResults are the successful results of one batch, filled in when the
// script first uses them (see luajson.NewLazyMetatable): until then a
// result is an empty table (about 150 bytes) and its reply's JSON text,
// where {ok = true, value = ...} with the decoded value takes well over a
// kilobyte, so that a batch of 100,000 requests does not build 200,000
// tables the script may never read.
type lazyResults struct {
	L     *lua.LState
	mt    *lua.LTable            // the metatable of the results not filled yet, made by the first add
	reply map[*lua.LTable][]byte // a result not filled yet -> its reply
}

// newLazyResults returns the lazy results of a batch of n requests run by
// L.
func newLazyResults(L *lua.LState, n int) *lazyResults {
	return &lazyResults{L: L, reply: make(map[*lua.LTable][]byte, n)}
}

// add returns the result of a request whose reply (which Decode accepts)
// is reply.
func (lr *lazyResults) add(reply []byte) *lua.LTable {
	if lr.mt == nil {
		lr.mt = luajson.NewLazyMetatable(lr.L, lr)
	}
	// Sized for ok and value: a Go map of two is only its header until
	// the first field is set, where a table made without the size would
	// get a map of 32 at its first field.
	t := lr.L.CreateTable(0, 2)
	t.Metatable = lr.mt
	lr.reply[t] = reply
	return t
}

// has reports whether t is a result of lr not filled yet (lr may be nil).
func (lr *lazyResults) has(t *lua.LTable) bool {
	if lr == nil {
		return false
	}
	_, ok := lr.reply[t]
	return ok
}

// Fill makes t the table {ok = true, value = <the decoded reply>}, keeping
// any field set raw before.
func (lr *lazyResults) Fill(t *lua.LTable) {
	t.Metatable = lua.LNil
	reply, ok := lr.reply[t]
	if !ok {
		return
	}
	delete(lr.reply, t)
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
