package json

import (
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/soracron/soracron/bindings/json/internal/numtext"
)

// Number is the Go value of a json.number: the exact text of a JSON number
// that no Lua number holds exactly (9007199254740993, 1e400,
// 0.30000000000000000001). Decoding makes one instead of rounding or
// refusing the number; encoding writes its text back byte for byte.
type Number string

// numberName is the metatable name and the prefix of json.number errors.
const numberName = "json.number"

// newNumber returns a json.number of text s.
func (st *jsonState) newNumber(L *lua.LState, s string) *lua.LUserData {
	ud := L.NewUserData()
	ud.Value, ud.Metatable = Number(s), st.number
	return ud
}

// numberValue returns the Lua value of the JSON number text s (valid
// syntax): a Lua number when one holds it exactly, else a json.number.
func (st *jsonState) numberValue(L *lua.LState, s string) lua.LValue {
	if f, ok := numtext.Exact(s); ok {
		return lua.LNumber(f)
	}
	return st.newNumber(L, s)
}

// NumberText returns the text of v when v is a json.number.
func NumberText(v lua.LValue) (string, bool) {
	ud, ok := v.(*lua.LUserData)
	if !ok {
		return "", false
	}
	n, ok := ud.Value.(Number)
	return string(n), ok
}

// NumbersEqual reports whether a and b, both json.numbers, have the same
// value (1e2 and 100.0 do); ok is false when either is not a json.number.
func NumbersEqual(a, b lua.LValue) (equal, ok bool) {
	as, aok := NumberText(a)
	bs, bok := NumberText(b)
	if !aok || !bok {
		return false, false
	}
	return numtext.Compare(numtext.Parse(as), numtext.Parse(bs)) == 0, true
}

// numberMetatable returns the metatable of json.number values: tostring
// gives the text, == < <= compare values exactly, .. concatenates the text,
// and arithmetic raises an error saying what to do instead.
func numberMetatable(L *lua.LState) *lua.LTable {
	mt := L.CreateTable(0, 16)
	mt.RawSetString("__name", lua.LString(numberName))
	mt.RawSetString("__metatable", lua.LString(numberName))
	mt.RawSetString("__tostring", L.NewFunction(func(L *lua.LState) int {
		s, _ := NumberText(L.Get(1))
		L.Push(lua.LString(s))
		return 1
	}))
	cmp := func(L *lua.LState) int {
		a, aok := NumberText(L.Get(1))
		b, bok := NumberText(L.Get(2))
		if !aok || !bok {
			L.RaiseError("%s: compare with another json.number (json.number(x) makes one of a Lua number)", numberName)
		}
		return numtext.Compare(numtext.Parse(a), numtext.Parse(b))
	}
	mt.RawSetString("__eq", L.NewFunction(func(L *lua.LState) int {
		L.Push(lua.LBool(cmp(L) == 0))
		return 1
	}))
	mt.RawSetString("__lt", L.NewFunction(func(L *lua.LState) int {
		L.Push(lua.LBool(cmp(L) < 0))
		return 1
	}))
	mt.RawSetString("__le", L.NewFunction(func(L *lua.LState) int {
		L.Push(lua.LBool(cmp(L) <= 0))
		return 1
	}))
	mt.RawSetString("__concat", L.NewFunction(func(L *lua.LState) int {
		L.Push(lua.LString(concatText(L, L.Get(1)) + concatText(L, L.Get(2))))
		return 1
	}))
	arith := L.NewFunction(func(L *lua.LState) int {
		s, ok := NumberText(L.Get(1))
		if !ok {
			s, _ = NumberText(L.Get(2))
		}
		L.RaiseError("%s: %s cannot be used in arithmetic exactly; use tostring(x) or json.to_number(x)", numberName, s)
		return 0
	})
	for _, ev := range []string{"__add", "__sub", "__mul", "__div", "__mod", "__pow", "__unm"} {
		mt.RawSetString(ev, arith)
	}
	return mt
}

// concatText is the text of one operand of .. with a json.number.
func concatText(L *lua.LState, v lua.LValue) string {
	if s, ok := NumberText(v); ok {
		return s
	}
	switch v := v.(type) {
	case lua.LString:
		return string(v)
	case lua.LNumber:
		return v.String()
	}
	L.RaiseError("attempt to concatenate a %s value", v.Type())
	return ""
}

// jsonNumber is json.number(x): a json.number of a number text or a Lua
// number (so that it can be compared with other json.numbers).
func jsonNumber(L *lua.LState) int {
	st := jsonStateOf(L)
	switch v := L.Get(1).(type) {
	case lua.LNumber:
		b, ok := numtext.Append(nil, float64(v))
		if !ok {
			L.ArgError(1, numberError(float64(v)).Error())
		}
		L.Push(st.newNumber(L, string(b)))
	case lua.LString:
		s := strings.TrimSpace(string(v))
		if !validJSONNumber(s) {
			L.ArgError(1, "not a JSON number: "+strconv.Quote(clip(string(v))))
		}
		L.Push(st.newNumber(L, s))
	case *lua.LUserData:
		if _, ok := NumberText(v); !ok {
			L.ArgError(1, "number or string expected, got userdata")
		}
		L.Push(v)
	default:
		L.ArgError(1, "number or string expected, got "+v.Type().String())
	}
	return 1
}

// jsonToNumber is json.to_number(x): the nearest Lua number of a
// json.number (±infinity beyond the range of a float), x itself for a
// Lua number.
func jsonToNumber(L *lua.LState) int {
	switch v := L.Get(1).(type) {
	case lua.LNumber:
		L.Push(v)
	case *lua.LUserData:
		s, ok := NumberText(v)
		if !ok {
			L.ArgError(1, "json.number or number expected, got userdata")
		}
		f, _ := strconv.ParseFloat(s, 64) // ±Inf on overflow
		L.Push(lua.LNumber(f))
	default:
		L.ArgError(1, "json.number or number expected, got "+v.Type().String())
	}
	return 1
}
