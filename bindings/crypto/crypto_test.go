package crypto_test

import (
	"strings"
	"testing"

	"github.com/google/uuid"
	lua "github.com/yuin/gopher-lua"

	lcrypto "github.com/soracron/soracron/bindings/crypto"
)

func run(t *testing.T, src string) (lua.LValue, error) {
	t.Helper()
	L := lua.NewState()
	t.Cleanup(L.Close)
	L.PreloadModule("crypto", lcrypto.Loader)
	if err := L.DoString(`local crypto = require("crypto") ` + src); err != nil {
		return nil, err
	}
	return L.Get(-1), nil
}

func TestCrypto(t *testing.T) {
	tests := []struct{ name, src, want string }{
		// FIPS 180-2 and RFC 4231 test vectors.
		{"sha256", `return crypto.sha256("abc")`, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		{"sha256 empty", `return crypto.sha256("")`, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{"hmac_sha256", `return crypto.hmac_sha256("Jefe", "what do ya want for nothing?")`, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
		{"random_bytes length", `return tostring(#crypto.random_bytes(16))`, "16"},
		{"random_bytes differ", `return tostring(crypto.random_bytes(16) ~= crypto.random_bytes(16))`, "true"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := run(t, tt.src)
			if err != nil {
				t.Fatal(err)
			}
			if v.String() != tt.want {
				t.Errorf("got %s, want %s", v, tt.want)
			}
		})
	}
	for _, tt := range []struct {
		fn      string
		version uuid.Version
	}{{"uuid_v4", 4}, {"uuid_v7", 7}} {
		t.Run(tt.fn, func(t *testing.T) {
			v, err := run(t, `return crypto.`+tt.fn+`()`)
			if err != nil {
				t.Fatal(err)
			}
			id, err := uuid.Parse(v.String())
			if err != nil || id.Version() != tt.version || id.Variant() != uuid.RFC4122 {
				t.Errorf("%s() = %s (%v), want a version %d RFC 4122 UUID", tt.fn, v, err, tt.version)
			}
		})
	}
	t.Run("uuid_v7 ordered", func(t *testing.T) {
		v, err := run(t, `local a = crypto.uuid_v7() local b = crypto.uuid_v7() return tostring(a < b)`)
		if err != nil || v.String() != "true" {
			t.Errorf("uuid_v7 not increasing: %v %v", v, err)
		}
	})
	t.Run("random_bytes bound", func(t *testing.T) {
		_, err := run(t, `crypto.random_bytes(2^21)`)
		if err == nil || !strings.Contains(err.Error(), "want 0 to 1048576 bytes") {
			t.Errorf("got %v", err)
		}
	})
}
