package crypto

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"

	"github.com/google/uuid"
	lua "github.com/yuin/gopher-lua"
)

// MaxRandomBytes is the most bytes random_bytes returns in one call.
const MaxRandomBytes = 1 << 20

// functions is the module's function table.
func functions() map[string]lua.LGFunction {
	return map[string]lua.LGFunction{
		"sha256":       sha256Hex,
		"hmac_sha256":  hmacSHA256,
		"random_bytes": randomBytes,
		"uuid_v4":      uuidV4,
		"uuid_v7":      uuidV7,
	}
}

// Loader is the lua.LGFunction of require("crypto").
func Loader(L *lua.LState) int {
	api := functions()
	L.Push(L.SetFuncs(L.CreateTable(0, len(api)), api))
	return 1
}

func sha256Hex(L *lua.LState) int {
	sum := sha256.Sum256([]byte(L.CheckString(1)))
	L.Push(lua.LString(hex.EncodeToString(sum[:])))
	return 1
}

func hmacSHA256(L *lua.LState) int {
	key, msg := L.CheckString(1), L.CheckString(2)
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write([]byte(msg))
	L.Push(lua.LString(hex.EncodeToString(mac.Sum(nil))))
	return 1
}

func randomBytes(L *lua.LState) int {
	n := L.CheckInt(1)
	if n < 0 || n > MaxRandomBytes {
		L.ArgError(1, "want 0 to "+lua.LNumber(MaxRandomBytes).String()+" bytes")
	}
	b := make([]byte, n)
	rand.Read(b) // never fails (crypto/rand.Read panics if the system's source does)
	L.Push(lua.LString(b))
	return 1
}

func uuidV4(L *lua.LState) int {
	L.Push(lua.LString(uuid.NewString()))
	return 1
}

func uuidV7(L *lua.LState) int {
	id, err := uuid.NewV7()
	if err != nil {
		L.RaiseError("crypto.uuid_v7: %v", err)
	}
	L.Push(lua.LString(id.String()))
	return 1
}
