package json

import (
	"bytes"
	stdjson "encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	lua "github.com/yuin/gopher-lua"
)

// FuzzRoundTrip checks that Decode accepts exactly the valid JSON
// documents (refusing only inexact numbers, too deep nesting and invalid
// UTF-8), and that for every accepted document decode -> encode is the
// identity modulo key order and whitespace (and number spelling for
// non-integers); integer literals must come back digit for digit. The
// encoding must also be a fixed point, and FromLua must agree with it.
// Seeds live in testdata/fuzz/FuzzRoundTrip.
func FuzzRoundTrip(f *testing.F) {
	f.Add([]byte(`{"a":[1,null,3],"b":{},"c":[]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		L := lua.NewState(lua.Options{SkipOpenLibs: true})
		defer L.Close()
		valid := stdjson.Valid(data)
		v, err := Decode(L, data)
		if err != nil {
			if valid && utf8.Valid(data) && !errors.Is(err, ErrNumber) && !errors.Is(err, ErrTooDeep) {
				t.Fatalf("valid JSON %q rejected: %v", data, err)
			}
			return
		}
		if !valid {
			t.Fatalf("invalid JSON %q accepted", data)
		}
		out, err := Encode(v)
		if err != nil {
			t.Fatalf("Encode after Decode(%q): %v", data, err)
		}
		if !stdjson.Valid(out) || !utf8.Valid(out) {
			t.Fatalf("Encode produced invalid JSON %q", out)
		}
		if got, want := canonicalJSON(t, out), canonicalJSON(t, data); got != want {
			t.Fatalf("round trip of %q:\n got  %s\n want %s", data, got, want)
		}
		v2, err := Decode(L, out)
		if err != nil {
			t.Fatalf("Decode of own output %q: %v", out, err)
		}
		out2, err := Encode(v2)
		if err != nil || !bytes.Equal(out, out2) {
			t.Fatalf("encoding is not a fixed point: %q then %q (%v)", out, out2, err)
		}
		g, err := FromLuaPath(v, "")
		if err != nil {
			t.Fatalf("FromLuaPath after Decode(%q): %v", data, err)
		}
		lv, err := TryToLua(L, g)
		if err != nil {
			t.Fatalf("TryToLua(FromLuaPath(...)) of %q: %v", data, err)
		}
		if out3, err := Encode(lv); err != nil || !bytes.Equal(out, out3) {
			t.Fatalf("Go path gives %q (%v), bytes path %q", out3, err, out)
		}
	})
}

// canonicalJSON re-encodes a document with encoding/json (UseNumber, sorted
// keys), numbers replaced by their float64 value (integers in exact digits,
// -0 kept); an integer literal that is not exact makes the result differ.
func canonicalJSON(t *testing.T, data []byte) string {
	t.Helper()
	dec := stdjson.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("canonical decode of %q: %v", data, err)
	}
	b, err := stdjson.Marshal(normalizeNumbers(v))
	if err != nil {
		t.Fatalf("canonical encode: %v", err)
	}
	return string(b)
}

func normalizeNumbers(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			v[k] = normalizeNumbers(e)
		}
	case []any:
		for i, e := range v {
			v[i] = normalizeNumbers(e)
		}
	case stdjson.Number:
		s := string(v)
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return "bad:" + s
		}
		if f != math.Trunc(f) {
			return "num:" + strconv.FormatFloat(f, 'g', -1, 64)
		}
		exact := strconv.FormatFloat(f, 'f', 0, 64)
		if !strings.ContainsAny(s, ".eE") && s != exact {
			return "inexact:" + s // an accepted integer literal must be exact
		}
		return "num:" + exact
	}
	return v
}
