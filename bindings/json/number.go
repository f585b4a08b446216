package json

import (
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// Number is the Go value of a json.number: the exact text of a JSON number
// that no Lua number holds exactly (9007199254740993, 1e400,
// 0.30000000000000000001). Decoding makes one instead of rounding or
// refusing the number; encoding writes its text back byte for byte.
type Number string

// numberName is the metatable name and the prefix of json.number errors.
const numberName = "json.number"

// luaNumberOf returns the Lua number of the JSON number text s (valid
// syntax) and true when writing that Lua number back gives the same value
// (1.0, 1e3 and 0.1 do; 9007199254740993, 1e400 and 1e-400 do not).
func luaNumberOf(s string) (float64, bool) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, false // out of range
	}
	if f == 0 {
		return f, !hasNonZeroDigit(s) // underflow to 0 is not exact
	}
	if abs := max(f, -f); abs < 1<<53 && abs >= 0x1p-1022 && significantDigits(s) <= 15 {
		// At most 15 significant digits in the normal range: the
		// float64 keeps them all (DBL_DIG), so it writes back the same.
		return f, true
	}
	b, _ := appendJSONNumber(nil, f)
	return f, decimalOf(string(b)) == decimalOf(s)
}

// hasNonZeroDigit reports whether the mantissa of s has a digit 1-9.
func hasNonZeroDigit(s string) bool {
	for i := 0; i < len(s) && s[i] != 'e' && s[i] != 'E'; i++ {
		if '1' <= s[i] && s[i] <= '9' {
			return true
		}
	}
	return false
}

// significantDigits counts the digits of the mantissa of s without leading
// and trailing zeros.
func significantDigits(s string) int {
	first, last, n := -1, -1, 0 // positions among the digits
	for i := 0; i < len(s) && s[i] != 'e' && s[i] != 'E'; i++ {
		c := s[i]
		if c < '0' || c > '9' {
			continue // sign, point
		}
		if c != '0' {
			if first < 0 {
				first = n
			}
			last = n
		}
		n++
	}
	if first < 0 {
		return 0
	}
	return last - first + 1
}

// decimal is the value of a JSON number text: (-1)^neg * 0.digits... as
// digits * 10^exp, digits without leading or trailing zeros (empty for 0).
type decimal struct {
	neg    bool
	digits string
	exp    int64
	bad    bool // an exponent too large to hold
}

// decimalOf returns the value of the JSON number text s (valid syntax).
func decimalOf(s string) decimal {
	var d decimal
	if strings.HasPrefix(s, "-") {
		d.neg, s = true, s[1:]
	}
	mant, exp := s, ""
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		mant, exp = s[:i], s[i+1:]
	}
	if exp != "" {
		e, err := strconv.ParseInt(strings.TrimPrefix(exp, "+"), 10, 64)
		if err != nil || e > 1<<40 || e < -1<<40 {
			d.bad = true
			e = 0
		}
		d.exp = e
	}
	intPart, frac, _ := strings.Cut(mant, ".")
	digits := intPart + frac
	d.exp -= int64(len(frac))
	digits = strings.TrimLeft(digits, "0")
	trimmed := strings.TrimRight(digits, "0")
	d.exp += int64(len(digits) - len(trimmed))
	d.digits = trimmed
	if d.digits == "" {
		d.exp, d.neg = 0, false
	}
	return d
}

// cmpDecimal compares two decimals: -1, 0 or +1. Zero has no sign.
func cmpDecimal(a, b decimal) int {
	if a.digits == "" || b.digits == "" || a.neg != b.neg {
		sa, sb := sign(a), sign(b)
		switch {
		case sa < sb:
			return -1
		case sa > sb:
			return 1
		}
		return 0
	}
	c := cmpMagnitude(a, b)
	if a.neg {
		return -c
	}
	return c
}

func sign(d decimal) int {
	switch {
	case d.digits == "":
		return 0
	case d.neg:
		return -1
	}
	return 1
}

// cmpMagnitude compares |a| and |b|, both non-zero.
func cmpMagnitude(a, b decimal) int {
	// The order of magnitude is len(digits)+exp.
	ma, mb := int64(len(a.digits))+a.exp, int64(len(b.digits))+b.exp
	switch {
	case ma < mb:
		return -1
	case ma > mb:
		return 1
	}
	n := max(len(a.digits), len(b.digits))
	for i := range n {
		ca, cb := byte('0'), byte('0')
		if i < len(a.digits) {
			ca = a.digits[i]
		}
		if i < len(b.digits) {
			cb = b.digits[i]
		}
		if ca != cb {
			if ca < cb {
				return -1
			}
			return 1
		}
	}
	return 0
}

// newNumber returns a json.number of text s.
func (st *jsonState) newNumber(L *lua.LState, s string) *lua.LUserData {
	ud := L.NewUserData()
	ud.Value, ud.Metatable = Number(s), st.number
	return ud
}

// numberValue returns the Lua value of the JSON number text s (valid
// syntax): a Lua number when one holds it exactly, else a json.number.
func (st *jsonState) numberValue(L *lua.LState, s string) lua.LValue {
	if f, ok := luaNumberOf(s); ok {
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
	return cmpDecimal(decimalOf(as), decimalOf(bs)) == 0, true
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
		return cmpDecimal(decimalOf(a), decimalOf(b))
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
		b, ok := appendJSONNumber(nil, float64(v))
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
