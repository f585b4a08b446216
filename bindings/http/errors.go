package http

import (
	"fmt"

	lua "github.com/yuin/gopher-lua"
)

// httpError is a failed request, returned to Lua as a table.
type httpError struct {
	op, url   string
	typ       string // http_error, transport, timeout, cancelled, too_large, redirect
	status    int    // 0 when there was no reply
	message   string
	body      string
	retryable bool
}

// bodyInMessage is how much of an error reply's body its tostring shows.
const bodyInMessage = 200

// String is the error's tostring.
func (e *httpError) String() string {
	s := fmt.Sprintf("%s %s: %s", e.op, e.url, e.message)
	if e.body != "" {
		b := e.body
		if len(b) > bodyInMessage {
			b = b[:bodyInMessage] + "..."
		}
		s += ": " + b
	}
	return s
}

// table returns the error as a Lua table {op, type, status, message, url,
// body} whose tostring is String.
func (e *httpError) table(L *lua.LState) *lua.LTable {
	t := L.CreateTable(0, 6)
	t.RawSetString("op", lua.LString(e.op))
	t.RawSetString("type", lua.LString(e.typ))
	t.RawSetString("status", lua.LNumber(e.status))
	t.RawSetString("message", lua.LString(e.message))
	t.RawSetString("url", lua.LString(e.url))
	t.RawSetString("body", lua.LString(e.body))
	mt := L.CreateTable(0, 1)
	s := e.String()
	mt.RawSetString("__tostring", L.NewFunction(func(L *lua.LState) int {
		L.Push(lua.LString(s))
		return 1
	}))
	L.SetMetatable(t, mt)
	return t
}
