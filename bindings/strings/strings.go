package strings

import (
	"math"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// Module is the strings module of an engine.
type Module struct {
	maxBytes int
}

// New returns the strings module refusing results over maxBytes bytes (no
// limit when maxBytes <= 0).
func New(maxBytes int) *Module {
	if maxBytes <= 0 {
		maxBytes = math.MaxInt
	}
	return &Module{maxBytes: maxBytes}
}

// functions is the module's function table.
func (m *Module) functions() map[string]lua.LGFunction {
	return map[string]lua.LGFunction{
		"split":      m.split,
		"fields":     fields,
		"join":       m.join,
		"trim":       trim,
		"has_prefix": hasPrefix,
		"has_suffix": hasSuffix,
		"contains":   contains,
		"replace":    m.replace,
		"lower":      lower,
		"upper":      upper,
	}
}

// Loader is the lua.LGFunction of require("strings").
func (m *Module) Loader(L *lua.LState) int {
	api := m.functions()
	L.Push(L.SetFuncs(L.CreateTable(0, len(api)), api))
	return 1
}

// list returns ss as a Lua array.
func list(L *lua.LState, ss []string) *lua.LTable {
	t := L.CreateTable(len(ss), 0)
	for _, s := range ss {
		t.Append(lua.LString(s))
	}
	return t
}

func (m *Module) split(L *lua.LState) int {
	s, sep := L.CheckString(1), L.CheckString(2)
	n := L.OptInt(3, -1)
	L.Push(list(L, strings.SplitN(s, sep, n)))
	return 1
}

func fields(L *lua.LState) int {
	L.Push(list(L, strings.Fields(L.CheckString(1))))
	return 1
}

func (m *Module) join(L *lua.LState) int {
	t := L.CheckTable(1)
	sep := L.OptString(2, "")
	n := t.Len()
	parts := make([]string, 0, n)
	size := 0
	for i := 1; i <= n; i++ {
		var s string
		switch v := t.RawGetInt(i).(type) {
		case lua.LString:
			s = string(v)
		case lua.LNumber:
			s = v.String()
		default:
			L.ArgError(1, "element "+lua.LNumber(i).String()+" is a "+v.Type().String()+", want a string or number")
		}
		size += len(s)
		if i > 1 {
			size += len(sep)
		}
		if size > m.maxBytes {
			tooLarge(L, "strings.join", m.maxBytes)
		}
		parts = append(parts, s)
	}
	L.Push(lua.LString(strings.Join(parts, sep)))
	return 1
}

func trim(L *lua.LState) int {
	s := L.CheckString(1)
	if L.Get(2) == lua.LNil {
		L.Push(lua.LString(strings.TrimSpace(s)))
		return 1
	}
	L.Push(lua.LString(strings.Trim(s, L.CheckString(2))))
	return 1
}

func hasPrefix(L *lua.LState) int {
	L.Push(lua.LBool(strings.HasPrefix(L.CheckString(1), L.CheckString(2))))
	return 1
}

func hasSuffix(L *lua.LState) int {
	L.Push(lua.LBool(strings.HasSuffix(L.CheckString(1), L.CheckString(2))))
	return 1
}

func contains(L *lua.LState) int {
	L.Push(lua.LBool(strings.Contains(L.CheckString(1), L.CheckString(2))))
	return 1
}

func (m *Module) replace(L *lua.LState) int {
	s, old, repl := L.CheckString(1), L.CheckString(2), L.CheckString(3)
	n := L.OptInt(4, -1)
	if len(repl) > len(old) {
		count := strings.Count(s, old)
		if n >= 0 && n < count {
			count = n
		}
		if grow := len(repl) - len(old); count > 0 && grow > (m.maxBytes-len(s))/count {
			tooLarge(L, "strings.replace", m.maxBytes)
		}
	}
	L.Push(lua.LString(strings.Replace(s, old, repl, n)))
	return 1
}

func lower(L *lua.LState) int {
	L.Push(lua.LString(strings.ToLower(L.CheckString(1))))
	return 1
}

func upper(L *lua.LState) int {
	L.Push(lua.LString(strings.ToUpper(L.CheckString(1))))
	return 1
}

// tooLarge raises the error of a result over the limit.
func tooLarge(L *lua.LState, fn string, max int) {
	L.RaiseError("%s: result too large (over the limit of %d bytes)", fn, max)
}
