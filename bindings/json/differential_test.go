package json_test

import (
	stdjson "encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
	gopherjson "layeh.com/gopher-json"

	luajson "github.com/soracron/soracron/bindings/json"
)

// The differential test runs the same documents and Lua values through this
// codec and through layeh.com/gopher-json (the codec the user's design named
// first), in the same call shapes a script uses: local json =
// require("json"); json.decode(s); json.encode(v). It asserts that they agree
// wherever gopher-json is lossless, and that every case where they do not is
// listed below with its reason: there, ours keeps the data and gopher-json
// loses it (or silently changes it).

// diffCase is one input of the differential test.
type diffCase struct {
	name string
	// decode is a JSON text given to json.decode, encode a Lua expression
	// given to json.encode (exactly one is set).
	decode, encode string
	// differs is empty when the codecs must agree, otherwise why they do
	// not (the test fails when a listed case agrees after all).
	differs string
	// fails is true when both codecs must refuse the input (nil, err).
	fails bool
}

var diffCases = []diffCase{
	// Agreement: everything gopher-json round-trips without loss.
	{name: "integer", decode: `42`},
	{name: "negative decimal", decode: `-12.5`},
	{name: "decimal that is no float", decode: `0.1`},
	{name: "exact beyond 2^53", decode: `18014398509481984`},
	{name: "2^53", decode: `9007199254740992`},
	{name: "exponent, exact", decode: `1e22`},
	{name: "string", decode: `"héllo \" \\ \n \u00e9"`},
	{name: "lone surrogate", decode: `"\ud800"`},
	{name: "true", decode: `true`},
	{name: "array", decode: `[1,"two",true,[3],{"four":4}]`},
	{name: "object", decode: `{"a":1,"b":{"c":[1,2]}}`},
	{name: "empty array", decode: `[]`},
	{name: "nested empty array", decode: `{"a":[]}`},
	{name: "duplicate keys, last wins", decode: `{"a":1,"a":2}`},
	{name: "metadata", decode: `{"status":"away","seat":3,"tags":["x","y"],"nested":{"ok":true}}`},
	{name: "syntax error", decode: `{"a":`, fails: true},
	{name: "trailing garbage", decode: `[1] x`, fails: true},
	{name: "lua array", encode: `{1, 2, 3}`},
	{name: "lua object", encode: `{a = 1, b = "x", c = {d = true}}`},
	{name: "lua string", encode: `"<tag> & more"`},
	{name: "lua integer float", encode: `3.0`},
	{name: "lua big integer", encode: `2^60`},
	{name: "lua negative zero", encode: `-0.0`},
	{name: "lua sparse array", encode: `{[1] = 1, [3] = 3}`, fails: true},
	{name: "lua mixed keys", encode: `{1, a = 2}`, fails: true},
	{name: "lua function", encode: `{f = print}`, fails: true},
	{name: "lua cycle", encode: `(function() local t = {} t.t = t return t end)()`, fails: true},
	{name: "lua nan", encode: `0/0`, fails: true},

	// Differences: gopher-json loses or changes data, ours does not.
	{name: "null in array", decode: `[1,null,3]`,
		differs: "gopher-json decodes null as nil, which a Lua array cannot hold: [1,null,3] has length 2; ours keeps json.null at [2]"},
	{name: "trailing null", decode: `[1,null]`,
		differs: "gopher-json drops the null: length 1; ours keeps json.null"},
	{name: "null member", decode: `{"k":null,"a":1}`,
		differs: `gopher-json loses key k (a nil value is no table entry); ours keeps it as json.null`},
	{name: "null document", decode: `null`,
		differs: "gopher-json returns nil, which reads as a failed decode (no error); ours returns json.null"},
	{name: "empty object", decode: `{}`,
		differs: "gopher-json decodes {} and [] to the same empty table and encodes it as []; ours marks it and encodes {} again"},
	{name: "nested empty object", decode: `{"a":{},"b":[]}`,
		differs: `gopher-json writes {"a":[],"b":[]}; ours keeps {} and []`},
	{name: "beyond 2^53", decode: `9007199254740993`,
		differs: "a float64 cannot hold it: gopher-json rounds it to 9007199254740992; ours keeps it as a json.number with its exact text"},
	{name: "big id in metadata", decode: `{"user_id":12345678901234567}`,
		differs: "gopher-json rounds it to 12345678901234568; ours keeps it exact (a json.number)"},
	{name: "exponent, inexact", decode: `1e300`,
		differs: "beyond 2^53 a float64 holds 1e300 only approximately: gopher-json takes the nearest float; ours keeps it as a json.number"},
	{name: "overflow", decode: `1e400`,
		differs: "gopher-json fails on it; ours keeps it as a json.number"},
	{name: "underflow", decode: `1e-400`,
		differs: "gopher-json turns it into 0; ours keeps it as a json.number instead of changing the value"},
	{name: "lua empty table", encode: `{}`,
		differs: "gopher-json writes []; ours writes {} (metadata is an object), json.array() gives []"},
	{name: "lua json.null", encode: `{a = json and json.null or nil}`,
		differs: "gopher-json has no json.null (the table is empty: []); ours writes {\"a\":null}"},
	{name: "lua invalid UTF-8", encode: `"\255"`,
		differs: "gopher-json replaces the byte with U+FFFD; ours refuses the string instead of changing it"},
}

// diffResult is what one codec made of a case: the decoded value in a
// neutral Go form (decode cases), the JSON text encoded from the decoded or
// evaluated value with the same codec, and whether it failed.
type diffResult struct {
	value  any
	text   string
	failed bool
}

// runCodec runs c in a fresh state whose require("json") is loader.
func runCodec(t *testing.T, loader lua.LGFunction, c diffCase) diffResult {
	t.Helper()
	L := lua.NewState()
	defer L.Close()
	L.PreloadModule("json", loader)
	var src string
	if c.decode != "" {
		src = fmt.Sprintf(`local json = require("json")
local v, err = json.decode(%q)
if err ~= nil then return nil, nil, err end
local s = json.encode(v)
return v, s, nil`, c.decode)
	} else {
		src = fmt.Sprintf(`local json = require("json")
local s, err = json.encode(%s)
if s == nil then return nil, nil, err or "no result" end
local v = json.decode(s)
return v, s, nil`, c.encode)
	}
	if err := L.DoString(src); err != nil || L.GetTop() != 3 {
		// A raised error (not a nil, err return) counts as a failure too.
		return diffResult{failed: true}
	}
	v, text, errv := L.Get(-3), L.Get(-2), L.Get(-1)
	if errv != lua.LNil || (c.decode != "" && v == lua.LNil && text == lua.LNil) {
		return diffResult{failed: true}
	}
	return diffResult{value: neutral(v), text: lua.LVAsString(text)}
}

// neutral is a Lua value in a Go form that both codecs' values map to:
// json.null is nil, a table with keys 1..n a []any, a table with string
// keys a map, an empty table "{}|[]" (a plain Lua table does not say which).
func neutral(v lua.LValue) any {
	switch v := v.(type) {
	case *lua.LNilType:
		return "<lua nil>"
	case lua.LBool:
		return bool(v)
	case lua.LNumber:
		return float64(v)
	case lua.LString:
		return string(v)
	case *lua.LUserData:
		if v.Metatable != lua.LNil && strings.Contains(lua.LVAsString(v.Metatable.(*lua.LTable).RawGetString("__name")), "json.null") {
			return nil
		}
		return "<userdata>"
	case *lua.LTable:
		var keys []lua.LValue
		v.ForEach(func(k, _ lua.LValue) { keys = append(keys, k) })
		if len(keys) == 0 {
			return "{}|[]"
		}
		if n := v.Len(); n == len(keys) {
			arr := make([]any, n)
			for i := range n {
				arr[i] = neutral(v.RawGetInt(i + 1))
			}
			return arr
		}
		m := map[string]any{}
		for _, k := range keys {
			m[lua.LVAsString(k)] = neutral(v.RawGet(k))
		}
		return m
	}
	return "<" + v.Type().String() + ">"
}

// sameJSON reports whether two JSON texts hold the same value, numbers
// compared by their digits.
func sameJSON(a, b string) bool {
	var va, vb any
	da, db := stdjson.NewDecoder(strings.NewReader(a)), stdjson.NewDecoder(strings.NewReader(b))
	da.UseNumber()
	db.UseNumber()
	if da.Decode(&va) != nil || db.Decode(&vb) != nil {
		return a == b
	}
	return reflect.DeepEqual(normalize(va), normalize(vb))
}

// normalize makes numbers comparable by value (1e21 and 1000000000000000000000).
func normalize(v any) any {
	switch v := v.(type) {
	case stdjson.Number:
		f, err := v.Float64()
		if err != nil {
			return string(v)
		}
		return f
	case []any:
		for i := range v {
			v[i] = normalize(v[i])
		}
	case map[string]any:
		for k := range v {
			v[k] = normalize(v[k])
		}
	}
	return v
}

func TestDifferentialGopherJSON(t *testing.T) {
	for _, c := range diffCases {
		t.Run(c.name, func(t *testing.T) {
			ours := runCodec(t, luajson.Loader, c)
			theirs := runCodec(t, gopherjson.Loader, c)
			agree := ours.failed == theirs.failed &&
				(ours.failed || (reflect.DeepEqual(ours.value, theirs.value) && sameJSON(ours.text, theirs.text)))
			switch {
			case c.differs == "" && ours.failed != c.fails:
				t.Errorf("ours failed = %v, want %v: %+v", ours.failed, c.fails, ours)
			case c.differs == "" && !agree:
				t.Errorf("codecs disagree:\nours   %+v\ntheirs %+v", ours, theirs)
			case c.differs != "" && agree:
				t.Errorf("listed as a difference (%s) but the codecs agree: %+v", c.differs, ours)
			case c.differs != "" && c.decode != "" && !ours.failed && !sameJSON(ours.text, c.decode):
				t.Errorf("ours does not round-trip %s: %s", c.decode, ours.text)
			}
		})
	}
}

// TestGopherJSONCallShapes checks that a script written for gopher-json's
// module runs unchanged with ours: the same function names, arguments and
// results (a value, or nil and an error string).
func TestGopherJSONCallShapes(t *testing.T) {
	const script = `local json = require("json")
local s = json.encode({name = "x", list = {1, 2, 3}})
assert(type(s) == "string", "encode returns a string")
local v = json.decode(s)
assert(v.name == "x" and #v.list == 3 and v.list[3] == 3, "decode returns tables")
local bad, err = json.decode("{")
assert(bad == nil and type(err) == "string", "a bad document is nil, err")
local none, err2 = json.encode({f = print})
assert(none == nil and type(err2) == "string", "a value without JSON form is nil, err")
return "ok"`
	var names [2][]string
	for i, loader := range []lua.LGFunction{gopherjson.Loader, luajson.Loader} {
		L := lua.NewState()
		L.PreloadModule("json", loader)
		if err := L.DoString(script); err != nil {
			t.Errorf("codec %d: %v", i, err)
		}
		if err := L.DoString(`__m = require("json")`); err != nil {
			t.Fatal(err)
		}
		L.GetGlobal("__m").(*lua.LTable).ForEach(func(k, v lua.LValue) {
			if v.Type() == lua.LTFunction {
				names[i] = append(names[i], lua.LVAsString(k))
			}
		})
		L.Close()
	}
	for _, fn := range names[0] {
		if !slices.Contains(names[1], fn) {
			t.Errorf("gopher-json's json.%s is missing from ours (ours: %v)", fn, names[1])
		}
	}
}
