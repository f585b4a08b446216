package json_test

import (
	"testing"

	lua "github.com/yuin/gopher-lua"

	luajson "github.com/soracron/soracron/bindings/json"
	"github.com/soracron/soracron/sora"
)

// TestStringEscapingMatchesWire: the codec writes strings with the Sora
// client's escaper (sora.AppendString), which also writes channel ids and
// keys next to the values the codec encoded: the codec's whole output for a
// string is the wire's bytes, and both refuse invalid UTF-8.
func TestStringEscapingMatchesWire(t *testing.T) {
	tests := []struct {
		name string
		in   string
		ok   bool
	}{
		{"plain", "sora", true},
		{"quote and backslash", `a"b\c`, true},
		{"controls", "\x00\x01\b\f\n\r\t\x1f", true},
		{"html", "<a&b>", true},
		{"utf-8", "héllo 🍣 \u2028", true},
		{"DEL", "\x7f", true},
		{"invalid byte", "a\xffb", false},
		{"truncated rune", "\xe3\x81", false},
		{"surrogate half", "\xed\xa0\x80", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			codec, err := luajson.Encode(lua.LString(tt.in))
			wire, ok := sora.AppendString(nil, tt.in)
			if (err == nil) != tt.ok || ok != tt.ok {
				t.Fatalf("codec err = %v, wire ok = %v, want ok = %v", err, ok, tt.ok)
			}
			if tt.ok && string(codec) != string(wire) {
				t.Errorf("codec %s, wire %s", codec, wire)
			}
		})
	}
}
