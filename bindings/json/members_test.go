package json

import (
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// TestDecodeMembers checks DecodeMembers against Decode of the whole
// document: the same members (encoded back), the same container answer,
// the same errors.
func TestDecodeMembers(t *testing.T) {
	deep := strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1)
	keys := []string{"id", "md"}
	tests := []struct{ name, doc string }{
		{"both", `{"id":"A","md":{"x":[1,2.5,null,true],"y":{}}}`},
		{"others skipped", ` { "a" : [ { "b" : "}]\"" } , -1.5e3 , false ] , "md" : [] , "c" : "\u00e9" , "id" : 7 } `},
		{"absent", `{"a":1}`},
		{"empty object", `{}`},
		{"duplicates: the last wins", `{"id":"A","id":"B","md":{"x":1},"md":null}`},
		{"escaped key", `{"\u0069d":"A"}`},
		{"array", `[{"id":"A"}]`},
		{"string", `"id"`},
		{"number", `12`},
		{"syntax error", `{"id":"A",}`},
		{"invalid utf-8", "{\"id\":\"\xff\"}"},
		{"too deep in a skipped member", `{"id":"A","x":` + deep + `}`},
		{"too deep in a wanted member", `{"md":` + deep + `}`},
		{"too deep in an array", deep},
		{"deepest allowed in a skipped member", `{"x":` + strings.Repeat("[", MaxDepth-1) + strings.Repeat("]", MaxDepth-1) + `}`},
		{"one too deep in a skipped member", `{"x":` + strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth) + `}`},
		{"inexact numbers kept as text", `{"id":12345678901234567890,"n":1e400}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			L := lua.NewState(lua.Options{SkipOpenLibs: true})
			defer L.Close()
			vals := make([]lua.LValue, len(keys))
			container, err := DecodeMembers(L, []byte(tt.doc), keys, vals)
			whole, werr := Decode(L, []byte(tt.doc))
			if (err == nil) != (werr == nil) || err != nil && err.Error() != werr.Error() {
				t.Fatalf("error %v, Decode's %v", err, werr)
			}
			if err != nil {
				return
			}
			tbl, isTable := whole.(*lua.LTable)
			if container != isTable {
				t.Fatalf("container = %v, Decode gives %s", container, whole.Type())
			}
			for i, k := range keys {
				want := "nil"
				if isTable {
					want = encodeOrNil(t, tbl.RawGetString(k))
				}
				if got := encodeOrNil(t, vals[i]); got != want {
					t.Errorf("%s = %s, Decode's %s", k, got, want)
				}
			}
		})
	}
}

// encodeOrNil is the JSON text of v, "nil" for no value.
func encodeOrNil(t *testing.T, v lua.LValue) string {
	t.Helper()
	if v == nil || v == lua.LNil {
		return "nil"
	}
	b, err := Encode(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
