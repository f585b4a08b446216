package json

import (
	stdjson "encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// TestJSONRoundTrip checks JSON -> Lua -> JSON identity on two paths: bytes
// (Decode, Encode) and Go values (encoding/json with UseNumber,
// ToLua, FromLua, stdjson.Marshal). Cases with lua set start from a Lua value
// instead: it is encoded, decoded and encoded again.
func TestJSONRoundTrip(t *testing.T) {
	deep := strings.Repeat(`{"a":[`, 400) + "null" + strings.Repeat("]}", 400)
	tests := []struct {
		name string
		in   string // JSON input
		lua  string // or a Lua expression
		want string // canonical output; "" means same as in
		err  string // expected error prefix
		kind error
	}{
		{name: "empty object", in: `{}`},
		{name: "empty array", in: `[]`},
		{name: "empty nested", in: `{"a":{},"b":[],"c":[[],{}]}`},
		{name: "null in array", in: `[1,null,3]`},
		{name: "null first and last", in: `[null,1,null]`},
		{name: "only nulls", in: `[null,null,null]`},
		{name: "null in object", in: `{"a":null}`},
		{name: "null top level", in: `null`},
		{name: "nested arrays with nulls", in: `[[null,[null,[null]]],null,[1,[null,2]]]`},
		{name: "objects in arrays with nulls", in: `[{"x":null},null,{"y":[null]}]`},
		{name: "2^53", in: `9007199254740992`},
		{name: "-2^53", in: `-9007199254740992`},
		{name: "2^53 in object", in: `{"id":9007199254740992,"neg":-9007199254740992}`},
		{name: "2^53+1", in: `{"id":[9007199254740993]}`},
		{name: "-2^53-1", in: `-9007199254740993`},
		{name: "2^53+1 as decimal", in: `{"x":9007199254740993.0}`},
		{name: "more digits than a float", in: `[0.30000000000000000001,123456789012345678901234567890]`},
		{name: "exact beyond 2^53", in: `[18014398509481984,1152921504606846976]`},
		{name: "1e400", in: `{"big":1e400}`},
		{name: "-1e400", in: `[-1e400]`},
		{name: "1e-400", in: `{"tiny":1e-400}`},
		{name: "0.1", in: `0.1`},
		{name: "decimals", in: `[0.1,-0.5,1.25,3.14159,1e-7,123456.789]`},
		{name: "integers", in: `[0,1,-1,42,1000000]`},
		{name: "number forms", in: `[1.0,1e2,2.50,1E+2,-0.0,0e10]`, want: `[1,100,2.5,100,-0,0]`},
		{name: "unicode keys and values", in: `{"名前":"ソラ","ключ":"значение","emoji😀":"😀","ü":["é","\u0000"]}`,
			want: `{"emoji😀":"😀","ü":["é","\u0000"],"ключ":"значение","名前":"ソラ"}`},
		{name: "escapes", in: `{"s":"a\"b\\c\/d\b\f\n\r\t\u001f\u00e9"}`, want: `{"s":"a\"b\\c/d\b\f\n\r\t\u001fé"}`},
		{name: "deep nesting", in: deep},
		{name: "too deep", in: strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1), err: "bad value at [1]", kind: ErrTooDeep},
		{name: "key order", in: `{"b":1,"a":{"d":2,"c":3}}`, want: `{"a":{"c":3,"d":2},"b":1}`},
		{name: "whitespace", in: " { \"a\" : [ 1 , null ] } \n", want: `{"a":[1,null]}`},
		{name: "syntax error", in: `{"a":}`, err: "invalid JSON at offset"},
		{name: "trailing data", in: `{} {}`, err: "invalid JSON at offset"},
		{name: "shared sub-table", lua: `(function() local s = {1, json.null, {k = "v"}}; return {a = s, b = s, c = {s, s}} end)()`,
			want: `{"a":[1,null,{"k":"v"}],"b":[1,null,{"k":"v"}],"c":[[1,null,{"k":"v"}],[1,null,{"k":"v"}]]}`},
		{name: "cycle", lua: `(function() local t = {a = {b = {}}}; t.a.b.c = t.a; return t end)()`, err: "cycle at a.b.c", kind: ErrCycle},
		{name: "function value", lua: `{a = {b = print}}`, err: "bad value at a.b: function cannot be encoded as JSON", kind: ErrValue},
		{name: "marked empties", lua: `{a = json.array(), o = json.object(), e = {}}`, want: `{"a":[],"e":{},"o":{}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := tt.want
			if want == "" {
				want = tt.in
			}
			if tt.lua != "" {
				checkLuaRoundTrip(t, tt.lua, want, tt.err, tt.kind)
				return
			}
			checkBytesRoundTrip(t, tt.in, want, tt.err, tt.kind)
			checkGoRoundTrip(t, tt.in, want, tt.err, tt.kind)
		})
	}
}

func checkErr(t *testing.T, step string, err error, wantErr string, kind error) bool {
	t.Helper()
	if wantErr == "" {
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		return false
	}
	if err == nil {
		return false
	}
	if !strings.HasPrefix(err.Error(), wantErr) {
		t.Fatalf("%s: err = %v, want prefix %q", step, err, wantErr)
	}
	if kind != nil && !errors.Is(err, kind) {
		t.Fatalf("%s: errors.Is(%v, %v) = false", step, err, kind)
	}
	return true
}

func checkBytesRoundTrip(t *testing.T, in, want, wantErr string, kind error) {
	t.Helper()
	L := newJSONState(t)
	v, err := Decode(L, []byte(in))
	if checkErr(t, "Decode", err, wantErr, kind) {
		return
	}
	out, err := Encode(v)
	if checkErr(t, "Encode", err, wantErr, kind) {
		return
	}
	if wantErr != "" {
		t.Fatalf("no error, want %q", wantErr)
	}
	if string(out) != want {
		t.Fatalf("bytes path:\n got  %s\n want %s", out, want)
	}
}

func checkGoRoundTrip(t *testing.T, in, want, wantErr string, kind error) {
	t.Helper()
	var g any
	dec := stdjson.NewDecoder(strings.NewReader(in))
	dec.UseNumber()
	if err := dec.Decode(&g); err != nil || dec.More() {
		return // not a single valid document: only the bytes path applies
	}
	L := newJSONState(t)
	lv, err := TryToLua(L, g)
	if checkErr(t, "TryToLua", err, strings.TrimPrefix(wantErr, "invalid JSON"), kind) {
		return
	}
	back, err := FromLuaPath(lv, "")
	if checkErr(t, "FromLua", err, wantErr, kind) {
		return
	}
	if wantErr != "" {
		t.Fatalf("no error, want %q", wantErr)
	}
	var w any
	dec = stdjson.NewDecoder(strings.NewReader(want))
	dec.UseNumber()
	if err := dec.Decode(&w); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, w) {
		t.Fatalf("Go path:\n got  %#v\n want %#v", back, w)
	}
}

func checkLuaRoundTrip(t *testing.T, expr, want, wantErr string, kind error) {
	t.Helper()
	L := newJSONState(t)
	v := luaValue(t, L, expr)
	out, err := Encode(v)
	if checkErr(t, "Encode", err, wantErr, kind) {
		_, err := FromLuaPath(v, "")
		checkErr(t, "FromLua", err, wantErr, kind)
		return
	}
	if wantErr != "" {
		t.Fatalf("no error, want %q", wantErr)
	}
	if string(out) != want {
		t.Fatalf("encode:\n got  %s\n want %s", out, want)
	}
	v2, err := Decode(L, out)
	if err != nil {
		t.Fatal(err)
	}
	out2, err := Encode(v2)
	if err != nil || string(out2) != want {
		t.Fatalf("re-encode = %s, %v; want %s", out2, err, want)
	}
}
