package hex

import (
	"encoding/hex"
	"math"

	lua "github.com/yuin/gopher-lua"
)

// Module is the hex module of an engine.
type Module struct {
	maxBytes int
}

// New returns the hex module refusing results over maxBytes bytes (no
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
		"encode": m.encode,
		"decode": decode,
	}
}

// Loader is the lua.LGFunction of require("hex").
func (m *Module) Loader(L *lua.LState) int {
	api := m.functions()
	L.Push(L.SetFuncs(L.CreateTable(0, len(api)), api))
	return 1
}

func (m *Module) encode(L *lua.LState) int {
	s := L.CheckString(1)
	if len(s) > m.maxBytes/2 {
		L.RaiseError("hex.encode: result too large (over the limit of %d bytes)", m.maxBytes)
	}
	L.Push(lua.LString(hex.EncodeToString([]byte(s))))
	return 1
}

func decode(L *lua.LState) int {
	b, err := hex.DecodeString(L.CheckString(1))
	if err != nil {
		L.Push(lua.LNil)
		L.Push(lua.LString("hex.decode: " + err.Error()))
		return 2
	}
	L.Push(lua.LString(b))
	return 1
}
