package luatest

import (
	"strings"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/pm"

	luajson "github.com/soracron/soracron/bindings/json"
)

// fail raises an assertion failure: "<file>:<line>: <what> failed[: msg]"
// followed by detail lines, at the position of the Lua code that called
// the assertion.
func fail(L *lua.LState, what, msg, detail string) {
	head := what + " failed"
	if msg != "" {
		head += ": " + msg
	}
	L.RaiseError("%s%s", head, detail)
}

// optMessage returns the optional message argument n.
func optMessage(L *lua.LState, n int) string {
	switch v := L.Get(n).(type) {
	case *lua.LNilType:
		return ""
	case lua.LString:
		return string(v)
	default:
		return L.ToStringMeta(v).String()
	}
}

// t.eq(got, want [, msg])
func luaEq(L *lua.LState) int {
	if L.GetTop() < 2 {
		L.ArgError(2, "want a value to compare with (t.eq(got, want [, msg]))")
	}
	got, want := L.Get(1), L.Get(2)
	ok, diffs, more := deepEqual(L, got, want)
	if !ok {
		fail(L, "t.eq", optMessage(L, 3), formatDiff(diffs, more))
	}
	return 0
}

// t.ne(got, other [, msg])
func luaNe(L *lua.LState) int {
	if L.GetTop() < 2 {
		L.ArgError(2, "want a value to compare with (t.ne(got, other [, msg]))")
	}
	if ok, _, _ := deepEqual(L, L.Get(1), L.Get(2)); ok {
		fail(L, "t.ne", optMessage(L, 3), "\n  both are "+render(L, L.Get(1)))
	}
	return 0
}

// t.truthy(v [, msg])
func luaTruthy(L *lua.LState) int {
	if !lua.LVAsBool(L.Get(1)) {
		fail(L, "t.truthy", optMessage(L, 2), "\n  got "+render(L, L.Get(1)))
	}
	return 0
}

// t.falsy(v [, msg])
func luaFalsy(L *lua.LState) int {
	if lua.LVAsBool(L.Get(1)) {
		fail(L, "t.falsy", optMessage(L, 2), "\n  got "+render(L, L.Get(1)))
	}
	return 0
}

// t.error_matches(fn_or_err, pattern [, msg]) -> error text
func luaErrorMatches(L *lua.LState) int {
	v := L.Get(1)
	pattern := L.CheckString(2)
	msg := optMessage(L, 3)
	if fn, ok := v.(*lua.LFunction); ok {
		top := L.GetTop()
		L.Push(fn)
		err := L.PCall(0, 0, nil)
		L.SetTop(top)
		if ctx := L.Context(); ctx != nil && ctx.Err() != nil {
			L.RaiseError("%v", ctx.Err())
		}
		if err == nil {
			fail(L, "t.error_matches", msg, "\n  the function returned without an error")
		}
		v = lua.LString(err.Error())
		if ae, ok := err.(*lua.ApiError); ok {
			v = ae.Object
		}
	}
	if v == lua.LNil || v == lua.LFalse {
		fail(L, "t.error_matches", msg, "\n  got no error ("+render(L, v)+")")
	}
	text := errorText(L, v)
	md, err := pm.Find(pattern, []byte(text), 0, 1)
	if err != nil {
		L.ArgError(2, "bad pattern: "+err.Error())
	}
	if len(md) == 0 {
		fail(L, "t.error_matches", msg, "\n  pattern "+quote(pattern)+"\n  error   "+quote(text))
	}
	L.Push(lua.LString(text))
	return 1
}

// errorText is the text of an error value: a string as is, a value with
// __tostring (sora errors, t.run errors) through it, a table as JSON.
func errorText(L *lua.LState, v lua.LValue) string {
	if s, ok := v.(lua.LString); ok {
		return string(s)
	}
	if L.GetMetaField(v, "__tostring") != lua.LNil {
		return L.ToStringMeta(v).String()
	}
	if t, ok := v.(*lua.LTable); ok {
		if b, err := luajson.Encode(t); err == nil {
			return string(b)
		}
	}
	return v.String()
}

// quote renders s for a failure message, on one line.
func quote(s string) string {
	b, err := luajson.Encode(lua.LString(s))
	if err != nil {
		return strings.ReplaceAll(s, "\n", `\n`)
	}
	return string(b)
}
