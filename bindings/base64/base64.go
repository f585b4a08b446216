package base64

import (
	"encoding/base64"
	"math"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// Module is the base64 module of an engine.
type Module struct {
	maxBytes int
}

// New returns the base64 module refusing results over maxBytes bytes (no
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
		"encode":     m.encoder("encode", base64.StdEncoding),
		"decode":     decoder("decode", base64.StdEncoding),
		"url_encode": m.encoder("url_encode", base64.RawURLEncoding),
		"url_decode": decoder("url_decode", base64.RawURLEncoding),
	}
}

// Loader is the lua.LGFunction of require("base64").
func (m *Module) Loader(L *lua.LState) int {
	api := m.functions()
	L.Push(L.SetFuncs(L.CreateTable(0, len(api)), api))
	return 1
}

func (m *Module) encoder(name string, enc *base64.Encoding) lua.LGFunction {
	return func(L *lua.LState) int {
		s := L.CheckString(1)
		if len(s) > m.maxBytes/4*3 {
			L.RaiseError("base64.%s: result too large (over the limit of %d bytes)", name, m.maxBytes)
		}
		L.Push(lua.LString(enc.EncodeToString([]byte(s))))
		return 1
	}
}

func decoder(name string, enc *base64.Encoding) lua.LGFunction {
	return func(L *lua.LState) int {
		s := L.CheckString(1)
		if enc == base64.RawURLEncoding {
			s = strings.TrimRight(s, "=")
		}
		b, err := enc.DecodeString(s)
		if err != nil {
			L.Push(lua.LNil)
			L.Push(lua.LString("base64." + name + ": " + err.Error()))
			return 2
		}
		L.Push(lua.LString(b))
		return 1
	}
}
