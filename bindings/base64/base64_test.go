package base64_test

import (
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"

	lbase64 "github.com/soracron/soracron/bindings/base64"
)

func TestBase64(t *testing.T) {
	tests := []struct{ name, src, wantErr string }{
		{"encode", `assert(base64.encode("sora") == "c29yYQ==")`, ""},
		{"decode", `assert(base64.decode("c29yYQ==") == "sora")`, ""},
		{"url", `assert(base64.url_encode("\255\254") == "__4" and base64.url_decode("__4") == "\255\254")`, ""},
		{"url padded", `assert(base64.url_decode("__4=") == "\255\254")`, ""},
		{"round trip binary", `local s = "" for i = 0, 255 do s = s .. string.char(i) end assert(base64.decode(base64.encode(s)) == s)`, ""},
		{"decode error", `local v, err = base64.decode("not base64!") assert(v == nil) error(err)`, "base64.decode: illegal base64 data at input byte 3"},
		{"url decode error", `local v, err = base64.url_decode("a+b") assert(v == nil) error(err)`, "base64.url_decode: illegal base64 data"},
		{"encode over the limit", `base64.encode(string.rep("a", 301))`, "base64.encode: result too large (over the limit of 400 bytes)"},
		{"misuse", `base64.encode()`, "bad argument #1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			L := lua.NewState()
			defer L.Close()
			L.PreloadModule("base64", lbase64.New(400).Loader)
			err := L.DoString(`local base64 = require("base64") ` + tt.src)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatal(err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("got %v, want an error containing %q", err, tt.wantErr)
			}
		})
	}
}
