package hex_test

import (
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"

	lhex "github.com/soracron/soracron/bindings/hex"
)

func TestHex(t *testing.T) {
	tests := []struct{ name, src, wantErr string }{
		{"encode", `assert(hex.encode("\1\171") == "01ab")`, ""},
		{"decode either case", `assert(hex.decode("01AB") == "\1\171" and hex.decode("01ab") == "\1\171")`, ""},
		{"decode error", `local v, err = hex.decode("xyz") assert(v == nil) error(err)`, "hex.decode: encoding/hex: invalid byte: U+0078 'x'"},
		{"odd length", `local v, err = hex.decode("abc") assert(v == nil) error(err)`, "hex.decode: encoding/hex: odd length hex string"},
		{"encode over the limit", `hex.encode(string.rep("a", 51))`, "hex.encode: result too large (over the limit of 100 bytes)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			L := lua.NewState()
			defer L.Close()
			L.PreloadModule("hex", lhex.New(100).Loader)
			err := L.DoString(`local hex = require("hex") ` + tt.src)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatal(err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("got %v, want an error containing %q", err, tt.wantErr)
			}
		})
	}
}
