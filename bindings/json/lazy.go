package json

import (
	lua "github.com/yuin/gopher-lua"

	"github.com/soracron/soracron/bindings/json/internal/syntax"
)

// Filler fills in the fields of lazy tables (see NewLazyMetatable): Fill
// sets the fields of t raw, keeping those already set, and sets t's
// metatable to that of the plain table (nil, or the json object marker),
// so that t is from then on a plain table.
type Filler interface {
	Fill(t *lua.LTable)
}

// lazyField is the metatable field holding a lazy table's Filler (in a
// userdata).
const lazyField = "__lazy"

// NewLazyMetatable returns the metatable of tables whose fields are filled
// in by f when first used, so that many tables can exist before their
// contents are built: reading or assigning a field, and pairs (the
// engine's honours __pairs), fill the table first (a read that f, an
// Indexer, answers without filling does not), and so do Encode,
// FromLuaPath and Fill. rawget, rawset and next do not: they see an empty
// table until it is filled. The metatable is protected (getmetatable
// returns "lazy", setmetatable fails) until the table is filled.
func NewLazyMetatable(L *lua.LState, f Filler) *lua.LTable {
	mt := L.CreateTable(0, 5)
	mt.RawSetString(lazyField, &lua.LUserData{Value: f, Metatable: lua.LNil})
	mt.RawSetString("__index", L.NewFunction(func(L *lua.LState) int {
		t := L.CheckTable(1)
		if ix, ok := f.(Indexer); ok {
			L.Push(ix.Index(t, L.Get(2)))
			return 1
		}
		f.Fill(t)
		L.Push(t.RawGet(L.Get(2)))
		return 1
	}))
	mt.RawSetString("__newindex", L.NewFunction(func(L *lua.LState) int {
		t := L.CheckTable(1)
		f.Fill(t)
		L.RawSet(t, L.Get(2), L.Get(3))
		return 0
	}))
	mt.RawSetString("__pairs", L.NewFunction(func(L *lua.LState) int {
		t := L.CheckTable(1)
		f.Fill(t)
		L.Push(L.GetGlobal("next"))
		L.Push(t)
		L.Push(lua.LNil)
		return 3
	}))
	mt.RawSetString("__metatable", lua.LString("lazy"))
	return mt
}

// Fill fills in t when it is a lazy table not filled yet (see
// NewLazyMetatable): code that walks tables raw (ForEach, Next) calls it
// first.
func Fill(t *lua.LTable) {
	if f := fillerOf(t); f != nil {
		f.Fill(t)
	}
}

// Field returns the field key of t as t[key] gives it, without running
// any Lua: raw for a plain table; for a lazy one, an Indexer's answer,
// or the field after filling t. Go code that reads a field of a table that
// may be lazy (a List's connection_id) calls it rather than RawGetString.
func Field(t *lua.LTable, key string) lua.LValue {
	if v := t.RawGetString(key); v != lua.LNil {
		return v
	}
	f := fillerOf(t)
	if f == nil {
		return lua.LNil
	}
	if ix, ok := f.(Indexer); ok {
		return ix.Index(t, lua.LString(key))
	}
	f.Fill(t)
	return t.RawGetString(key)
}

// fillerOf returns the Filler of t when t is a lazy table not filled yet.
func fillerOf(t *lua.LTable) Filler {
	mt, ok := t.Metatable.(*lua.LTable)
	if !ok {
		return nil
	}
	if ud, ok := mt.RawGetString(lazyField).(*lua.LUserData); ok {
		if f, ok := ud.Value.(Filler); ok {
			return f
		}
	}
	return nil
}

// Decodable reports whether Decode would decode data without an error
// (it is valid UTF-8, valid JSON, nested at most MaxDepth deep), without
// building any value: a caller can then keep data and decode it later.
func Decodable(data []byte) bool {
	if syntax.ValidDepth(data, MaxDepth) { // syntax and depth in one pass
		return true
	}
	if checkDocument(data) != nil { // as Decode checks it
		return false
	}
	depth := 0
	for c := range syntax.Structural(data) {
		switch c {
		case '{', '[':
			if depth++; depth > MaxDepth {
				return false
			}
		case '}', ']':
			depth--
		}
	}
	return true
}
