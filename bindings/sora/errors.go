package sora

import (
	"errors"

	lua "github.com/yuin/gopher-lua"

	luajson "github.com/soracron/soracron/bindings/json"
	"github.com/soracron/soracron/bindings/sora/soraerr"
	"github.com/soracron/soracron/sora"
)

// errorMetatableName is the registry name of the metatable of error tables.
const errorMetatableName = "soracron.sora.error"

// errorMetatable returns the metatable of sora error tables in L, creating it
// on first use. Its __tostring renders the error as one line.
func errorMetatable(L *lua.LState) *lua.LTable {
	if mt, ok := L.G.Registry.RawGetString(errorMetatableName).(*lua.LTable); ok {
		return mt
	}
	mt := L.CreateTable(0, 2)
	mt.RawSetString("__tostring", L.NewFunction(errorToString))
	mt.RawSetString("__name", lua.LString("sora.error"))
	L.G.Registry.RawSetString(errorMetatableName, mt)
	return mt
}

// errorToString is the __tostring of error tables:
// "sora.get: Sora_20201124.GetSignalingNotifyMetadata: status 400 connection_not_found: ...".
func errorToString(L *lua.LState) int {
	t := L.CheckTable(1)
	str := func(k string) string {
		if v, ok := t.RawGetString(k).(lua.LString); ok {
			return string(v)
		}
		return ""
	}
	status, _ := t.RawGetString("status").(lua.LNumber)
	f := soraerr.Fields{Status: int(status), Type: str("type"), Message: str("message"), Target: str("target")}
	L.Push(lua.LString(f.Format(str("op"), str("key"))))
	return 1
}

// errorValue returns the Lua error table of err for the function op
// ("sora.get"); target is the request's target when err does not carry one.
func errorValue(L *lua.LState, op, target string, err error) *lua.LTable {
	f := soraerr.Classify(err, target)
	t := L.CreateTable(0, 6)
	t.RawSetString("op", lua.LString(op))
	t.RawSetString("status", lua.LNumber(f.Status))
	t.RawSetString("type", lua.LString(f.Type))
	t.RawSetString("message", lua.LString(f.Message))
	t.RawSetString("target", lua.LString(f.Target))
	if body := errorBody(L, err); body != lua.LNil {
		t.RawSetString("body", body)
	}
	t.Metatable = errorMetatable(L)
	return t
}

// errorBody is the reply of a failed request as Sora sent it, every field
// kept: a table for a JSON reply, the text otherwise; nil without a reply.
func errorBody(L *lua.LState, err error) lua.LValue {
	var ae *sora.APIError
	if !errors.As(err, &ae) || len(ae.Body) == 0 {
		return lua.LNil
	}
	if ae.Fields != nil {
		if v, derr := luajson.Decode(L, ae.Body); derr == nil {
			return v
		}
	}
	return lua.LString(ae.Body)
}

// pushError pushes nil, err and returns 2, the failure return of a function.
func pushError(L *lua.LState, op, target string, err error) int {
	L.Push(lua.LNil)
	L.Push(errorValue(L, op, target, err))
	return 2
}
