package stdlib

import (
	"strconv"

	lua "github.com/yuin/gopher-lua"
)

// The base library's functions the sandbox replaces, besides pcall and
// xpcall (protect.go): assert, error and pairs.

// Assert is assert(v [, message, ...]): all its arguments when v is
// true; otherwise it raises message as it is (a sora error table keeps its
// fields and its __tostring), or "assertion failed!" when there is none.
// gopher-lua's assert would turn a table message into a type error.
func Assert(L *lua.LState) int {
	if lua.LVAsBool(L.Get(1)) {
		return L.GetTop()
	}
	if msg := L.Get(2); msg != lua.LNil {
		L.Error(msg, 0)
	}
	L.RaiseError("assertion failed!")
	return 0
}

// Error is error(v [, level]) with Lua's level semantics (gopher-lua's
// error puts level 2 at the caller of error rather than at its caller's
// caller): a string gets the position of the function at level (1, the
// default, is the function that called error; 0 adds no position).
func Error(L *lua.LState) int {
	v := L.Get(1)
	level := L.OptInt(2, 1)
	if s, ok := v.(lua.LString); ok && level > 0 {
		if dbg, ok := L.GetStack(level); ok {
			if _, err := L.GetInfo("Sl", dbg, nil); err == nil && dbg.What != "G" && dbg.CurrentLine > 0 {
				// One concatenation: the message may be a huge string
				// (fmt would copy it three times and more).
				v = lua.LString(dbg.Source + ":" + strconv.Itoa(dbg.CurrentLine) + ": " + string(s))
			}
		}
	}
	L.Error(v, 0)
	return 0
}

// MetaPairs is pairs honouring a __pairs metamethod (as Lua 5.2 does), so
// that read-only proxies can be iterated; pairs is gopher-lua's.
func MetaPairs(L *lua.LState, pairs lua.LValue) *lua.LFunction {
	return L.NewFunction(func(L *lua.LState) int {
		if t, ok := L.Get(1).(*lua.LTable); ok {
			if mt, ok := t.Metatable.(*lua.LTable); ok {
				if mp, ok := mt.RawGetString("__pairs").(*lua.LFunction); ok {
					L.Push(mp)
					L.Push(t)
					L.Call(1, 3)
					return 3
				}
			}
		}
		top := L.GetTop()
		L.Push(pairs)
		for i := 1; i <= top; i++ {
			L.Push(L.Get(i))
		}
		L.Call(top, 3)
		return 3
	})
}
