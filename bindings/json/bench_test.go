package json

import (
	stdjson "encoding/json"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// benchMetadata is a typical 10-key signaling notify metadata object.
const benchMetadata = `{"user_id":"u-12345","role":"sendrecv","display_name":"Alice","muted":false,` +
	`"volume":0.75,"joined_at":1717171717,"tags":["speaker","jp"],"profile":{"lang":"ja","avatar":"a.png"},` +
	`"score":42,"note":null}`

func benchState(b *testing.B) (*lua.LState, lua.LValue, any) {
	b.Helper()
	L := lua.NewState()
	b.Cleanup(L.Close)
	lv, err := Decode(L, []byte(benchMetadata))
	if err != nil {
		b.Fatal(err)
	}
	var g any
	if err := stdjson.Unmarshal([]byte(benchMetadata), &g); err != nil {
		b.Fatal(err)
	}
	// Same value, but with stdjson.Number as the sora client delivers it.
	g, err = FromLuaPath(lv, "")
	if err != nil {
		b.Fatal(err)
	}
	return L, lv, g
}

func BenchmarkJSONDecode(b *testing.B) {
	L, _, _ := benchState(b)
	data := []byte(benchMetadata)
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Decode(L, data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkJSONEncode(b *testing.B) {
	_, lv, _ := benchState(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Encode(lv); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkJSONToLua(b *testing.B) {
	L, _, g := benchState(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := TryToLua(L, g); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkJSONFromLua(b *testing.B) {
	_, lv, _ := benchState(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := FromLuaPath(lv, ""); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkJSONStdlibUnmarshal is the baseline: encoding/json into any.
func BenchmarkJSONStdlibUnmarshal(b *testing.B) {
	data := []byte(benchMetadata)
	b.ReportAllocs()
	for b.Loop() {
		var v any
		if err := stdjson.Unmarshal(data, &v); err != nil {
			b.Fatal(err)
		}
	}
}

// benchNumbers is metadata of numbers: decimals, large integers, and
// numbers no Lua number holds exactly (json.number values).
const benchNumbers = `{"volume":0.75,"lat":35.681236,"lng":139.767125,"ts_ms":1717171717123,` +
	`"ts_ns":1717171717123456789,"id":9007199254740993,"ratio":0.30000000000000004,"n":42}`

func BenchmarkJSONDecodeNumbers(b *testing.B) {
	L, _, _ := benchState(b)
	data := []byte(benchNumbers)
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Decode(L, data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkJSONStdlibUnmarshalNumbers(b *testing.B) {
	data := []byte(benchNumbers)
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		var v any
		if err := stdjson.Unmarshal(data, &v); err != nil {
			b.Fatal(err)
		}
	}
}
