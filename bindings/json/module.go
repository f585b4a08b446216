package json

import (
	"bytes"
	stdjson "encoding/json"
	"fmt"
	"math"

	lua "github.com/yuin/gopher-lua"

	"github.com/soracron/soracron/bindings/json/internal/syntax"
)

// Loader is the loader of the Lua module "json" (register it with
// L.PreloadModule("json", json.Loader)). The module is
//
//	json.encode(v [, {indent = "  "}]) -> string | nil, err
//	json.decode(s)                     -> value  | nil, err
//	json.null                          -- the JSON null sentinel
//	json.array([t]) / json.object([t]) -- mark t (or a new table) and return it
//	json.is_array(v) / json.is_object(v) -> boolean
//	json.number(x)                     -> json.number of a number text or Lua number
//	json.to_number(x)                  -> nearest Lua number of a json.number
//
// encode and decode treat bad data as an operational failure: they return
// nil and an error string naming the place ("bad value at a.b[2]: ...",
// "cycle at a.b", "invalid JSON: ..."). Wrong argument types (decode of a
// non-string, a non-table options argument, marking a non-table) raise a
// Lua error, which carries the script's file:line. is_array / is_object tell
// whether v would be encoded as a JSON array / object.
//
// The same rules govern ToLua, FromLuaPath, Decode and Encode:
//
// Null. JSON null is json.null, a userdata sentinel created once per LState
// (shared by its coroutines) and kept in the LState's registry; tostring
// gives "null" and its metatable is protected. A null is never a dropped key
// or a shifted array: [1,null,3] is a 3-element array whose [2] is json.null,
// and {"a":null} keeps its key. Lua nil at the top level encodes as null.
//
// Arrays and objects. Two marker metatables, kept in the registry, record
// whether a table is a JSON array or object; they are recognised by their
// field __jsontype ("array" or "object"), so a script may also put that field
// in a metatable of its own. Decoded tables carry the right marker, so {}
// stays {} and [] stays []. json.array(t) / json.object(t) mark Lua-built
// tables (they refuse a table that already has another metatable). Do not
// modify the marker metatables. A table without a marker is inferred:
// empty -> {} (metadata is an object); keys exactly 1..n (n >= 1) -> array;
// only string keys -> object; anything else (mixed keys, float, zero,
// negative or non-string keys, sparse integer keys) is an error naming the
// key. A marked array must have keys exactly 1..n: a hole is an error naming
// the index (use json.null for gaps); a marked object must have string keys.
// A table whose metatable has no __jsontype is inferred like an unmarked
// one. Tables are read raw: metamethods such as __index or __pairs are
// ignored (a lazy table, see NewLazyMetatable, is filled first). ToLua inserts Go map members in sorted key order and Decode
// in document order, so pairs() iterates deterministically.
//
// Numbers. Lua numbers are float64. A JSON number becomes a Lua number when
// that float64, encoded again (below), has the same decimal value: all
// integers up to 2^53, decimals such as 0.1 and 1.0, 18014398509481984.
// Every other number (9007199254740993, 1e400, 1e-400,
// 0.30000000000000000001) becomes a json.number: a userdata (Go value
// Number) keeping the number's exact text, which tostring and .. give, ==,
// < and <= compare by exact value with other json.numbers, and arithmetic
// refuses with an error naming tostring and json.to_number. No number is
// ever rounded or refused.
// Encoding writes integer values in plain integer digits ("3", never "3.0"
// or "3e+00"; exact digits beyond 2^53 too, so every encoded number decodes
// again) and other numbers with the shortest digits that round-trip, in
// plain notation for |v| >= 1e-6 and exponent notation below (1e-7), as
// encoding/json does. -0 stays -0. NaN and ±Inf are errors naming the key.
// A json.number encodes as its text, byte for byte. The same rules apply to
// Go stdjson.Number and int64/uint64 in ToLua.
//
// Strings. UTF-8 is kept as is, in values and keys. Encoding a string or key
// that is not valid UTF-8 is an error naming the key; decoding input that is
// not valid UTF-8 is an error. Only '"', '\\' and control characters are
// escaped (no HTML escaping). Decoding follows encoding/json otherwise: an
// escaped lone surrogate becomes U+FFFD, and of duplicate keys the last wins.
//
// Structure. Object keys are written sorted (bytewise) so output is
// deterministic. A table that contains itself is an error ("cycle at a.b");
// a table referenced twice without a cycle is encoded twice. Functions,
// userdata other than json.null and json.number, threads and channels are errors naming the
// key and the Lua type. Nesting deeper than MaxDepth is an error rather
// than a stack overflow.
//
// Paths in errors use Lua notation with 1-based array indices: a.b[3],
// a["key with space"]; "(root)" is the value itself. Paths longer than 48
// elements are shortened in the middle.
func Loader(L *lua.LState) int {
	st := jsonStateOf(L)
	mod := L.SetFuncs(L.CreateTable(0, len(jsonAPI)+1), jsonAPI)
	mod.RawSetString("null", st.null)
	L.Push(mod)
	return 1
}

// jsonAPI is the function table of the Lua module "json".
var jsonAPI = map[string]lua.LGFunction{
	"encode":    jsonEncode,
	"decode":    jsonDecode,
	"array":     jsonMarkArray,
	"object":    jsonMarkObject,
	"is_array":  jsonIsArray,
	"is_object": jsonIsObject,
	"number":    jsonNumber,
	"to_number": jsonToNumber,
}

// MaxBytes is the default limit of JSON sizes: Encode writes at
// most that many bytes, FromLuaPath converts no value whose JSON form is longer
// (a table referenced many times can be small in memory and huge as JSON),
// and json.encode and json.decode in Lua use it unless the LState has a
// limit of its own (SetMaxBytes).
const MaxBytes = 32 << 20

// SetMaxBytes sets the longest JSON text json.encode writes and
// json.decode reads in L (and its coroutines): n bytes; 0 restores
// MaxBytes, a negative n removes the limit. Beyond it they return nil
// and an error.
func SetMaxBytes(L *lua.LState, n int) {
	switch {
	case n == 0:
		n = MaxBytes
	case n < 0:
		n = math.MaxInt
	}
	jsonStateOf(L).maxBytes = n
}

// MaxDepth is the deepest nesting of arrays and objects that the
// conversions accept; deeper values are an error, not a stack overflow.
const MaxDepth = 1000

// Registry key and marker field names.
const (
	jsonRegistryKey = "soracron.json"
	jsonTypeField   = "__jsontype"
	jsonKindArray   = "array"
	jsonKindObject  = "object"
)

// jsonNullTag is the Go value of the json.null userdata. It is unexported, so
// no other userdata can pass for null.
type jsonNullTag struct{}

// jsonState is the per-LState JSON state kept in the registry.
type jsonState struct {
	null     *lua.LUserData
	number   *lua.LTable // metatable of json.number values
	array    *lua.LTable
	object   *lua.LTable
	maxBytes int // limit of json.encode and json.decode
}

// jsonStateOf returns the JSON state of L, creating it in L's registry on
// first use. Coroutines of L share L's registry and so the same state.
func jsonStateOf(L *lua.LState) *jsonState {
	reg := L.G.Registry
	if ud, ok := reg.RawGetString(jsonRegistryKey).(*lua.LUserData); ok {
		if st, ok := ud.Value.(*jsonState); ok {
			return st
		}
	}
	nullMT := L.CreateTable(0, 4)
	nullMT.RawSetString("__tostring", L.NewFunction(func(L *lua.LState) int {
		L.Push(lua.LString("null"))
		return 1
	}))
	nullMT.RawSetString("__name", lua.LString("json.null"))
	nullMT.RawSetString("__metatable", lua.LString("json.null"))
	null := L.NewUserData()
	null.Value, null.Metatable = jsonNullTag{}, nullMT
	st := &jsonState{null: null, number: numberMetatable(L), array: L.CreateTable(0, 2), object: L.CreateTable(0, 2), maxBytes: MaxBytes}
	st.array.RawSetString(jsonTypeField, lua.LString(jsonKindArray))
	st.array.RawSetString("__name", lua.LString("json.array"))
	st.object.RawSetString(jsonTypeField, lua.LString(jsonKindObject))
	st.object.RawSetString("__name", lua.LString("json.object"))
	holder := L.NewUserData()
	holder.Value = st
	reg.RawSetString(jsonRegistryKey, holder)
	return st
}

// Null returns the json.null sentinel of L: the Lua value of JSON null.
func Null(L *lua.LState) lua.LValue { return jsonStateOf(L).null }

// isJSONNull reports whether v is json.null (of any LState): the sentinel
// is recognised by its private Go value.
func isJSONNull(v lua.LValue) bool {
	ud, ok := v.(*lua.LUserData)
	if !ok {
		return false
	}
	_, ok = ud.Value.(jsonNullTag)
	return ok
}

// MarkArray gives t the JSON array marker of L, replacing any metatable, so
// that t encodes as a JSON array (even when empty).
func MarkArray(L *lua.LState, t *lua.LTable) { t.Metatable = jsonStateOf(L).array }

// MarkObject gives t the JSON object marker of L, replacing any metatable,
// so that t encodes as a JSON object (even when empty).
func MarkObject(L *lua.LState, t *lua.LTable) { t.Metatable = jsonStateOf(L).object }

// jsonKind values of a table's marker.
const (
	kindNone = iota
	kindArray
	kindObject
)

// markerKind returns the JSON kind recorded in t's metatable, if any.
func markerKind(t *lua.LTable) int {
	mt, ok := t.Metatable.(*lua.LTable)
	if !ok {
		return kindNone
	}
	switch s, _ := mt.RawGetString(jsonTypeField).(lua.LString); s {
	case jsonKindArray:
		return kindArray
	case jsonKindObject:
		return kindObject
	}
	return kindNone
}

// jsonEncode is json.encode(v [, opts]).
func jsonEncode(L *lua.LState) int {
	v := L.Get(1)
	indent := ""
	switch opts := L.Get(2).(type) {
	case *lua.LNilType:
	case *lua.LTable:
		switch s := opts.RawGetString("indent").(type) {
		case *lua.LNilType:
		case lua.LString:
			indent = string(s)
		case lua.LNumber:
			indent = string(bytes.Repeat([]byte{' '}, max(0, min(int(s), 16))))
		default:
			L.ArgError(2, "indent must be a string or a number, got "+s.Type().String())
		}
	default:
		L.ArgError(2, "table expected, got "+opts.Type().String())
	}
	b, err := encodeJSON(v, jsonStateOf(L).maxBytes)
	if err != nil {
		L.Push(lua.LNil)
		L.Push(lua.LString(err.Error()))
		return 2
	}
	if max := jsonStateOf(L).maxBytes; indent != "" && indentedSize(b, len(indent)) > max {
		L.Push(lua.LNil)
		L.Push(lua.LString(tooLarge("value", max).Error()))
		return 2
	}
	if indent != "" {
		var buf bytes.Buffer
		if err := stdjson.Indent(&buf, b, "", indent); err == nil {
			b = buf.Bytes()
		}
	}
	L.Push(lua.LString(b))
	return 1
}

// indentedSize is an upper bound of the length of the compact JSON text b
// once indented with an indent of n bytes (stdjson.Indent): a newline and the
// indentation after every opening bracket, comma and before every closing
// bracket, a space after every colon.
func indentedSize(b []byte, n int) int {
	size, depth := len(b), 0
	for c := range syntax.Structural(b) {
		switch c {
		case '{', '[':
			depth++
			size += 1 + depth*n
		case ',':
			size += 1 + depth*n
		case '}', ']':
			depth--
			size += 1 + depth*n
		case ':':
			size++
		}
	}
	return size
}

// jsonDecode is json.decode(s).
func jsonDecode(L *lua.LState) int {
	s, ok := L.Get(1).(lua.LString)
	if !ok {
		L.ArgError(1, "string expected, got "+L.Get(1).Type().String())
	}
	if max := jsonStateOf(L).maxBytes; len(s) > max {
		L.Push(lua.LNil)
		L.Push(lua.LString(fmt.Sprintf("JSON text of %d bytes is over the limit of %d bytes", len(s), max)))
		return 2
	}
	v, err := Decode(L, []byte(s))
	if err != nil {
		L.Push(lua.LNil)
		L.Push(lua.LString(err.Error()))
		return 2
	}
	L.Push(v)
	return 1
}

// jsonMark implements json.array and json.object.
func jsonMark(L *lua.LState, mt *lua.LTable) int {
	var t *lua.LTable
	switch v := L.Get(1).(type) {
	case *lua.LNilType:
		t = L.CreateTable(0, 0)
	case *lua.LTable:
		Fill(v) // a lazy table becomes a plain one
		if v.Metatable != lua.LNil && markerKind(v) == kindNone {
			L.ArgError(1, "table already has a metatable that is not a json marker")
		}
		t = v
	default:
		L.ArgError(1, "table expected, got "+v.Type().String())
	}
	t.Metatable = mt
	L.Push(t)
	return 1
}

func jsonMarkArray(L *lua.LState) int  { return jsonMark(L, jsonStateOf(L).array) }
func jsonMarkObject(L *lua.LState) int { return jsonMark(L, jsonStateOf(L).object) }

// jsonIsArray is json.is_array(v): whether v would encode as a JSON array.
func jsonIsArray(L *lua.LState) int {
	t, ok := L.Get(1).(*lua.LTable)
	L.Push(lua.LBool(ok && tableKind(t) == kindArray))
	return 1
}

// jsonIsObject is json.is_object(v): whether v would encode as a JSON object.
func jsonIsObject(L *lua.LState) int {
	t, ok := L.Get(1).(*lua.LTable)
	L.Push(lua.LBool(ok && tableKind(t) == kindObject))
	return 1
}

// tableKind is the JSON kind t would be encoded as, or kindNone when t
// cannot be encoded as either (shallow check: values are not inspected).
func tableKind(t *lua.LTable) int {
	var w tableWalker
	kind, _, err := w.classify(t)
	if err != nil {
		return kindNone
	}
	return kind
}
