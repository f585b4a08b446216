package stdlib

import (
	"fmt"

	lua "github.com/yuin/gopher-lua"
)

// ProtectedCall is L.PCall that also turns a Go panic escaping PCall into
// an error. gopher-lua's PCall lets one escape when the error handler
// itself cannot run: when the data stack is full ("registry overflow",
// e.g. unpack of a million values), pushing the handler panics outside
// PCall's recover. The state is then unusable beyond closing it (or
// resetting its top).
func ProtectedCall(L *lua.LState, nargs, nret int, handler *lua.LFunction) (err error) {
	defer func() {
		if r := recover(); r != nil {
			if ae, ok := r.(*lua.ApiError); ok {
				err = ae
				return
			}
			err = &lua.ApiError{Type: lua.ApiErrorPanic, Object: lua.LString(fmt.Sprint(r))}
		}
	}()
	return L.PCall(nargs, nret, handler)
}
