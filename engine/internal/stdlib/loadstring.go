package stdlib

import (
	"fmt"
	"strings"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/parse"

	"github.com/soracron/soracron/engine/internal/source"
)

// loadString is loadstring(s [, chunkname]): gopher-lua's, with the limits
// of script files (source.Check), compiled in a goroutine that the run does
// not wait for once its context has ended (the compile of a large chunk
// takes seconds and cannot be interrupted; it is bounded by the limits).
func loadString(L *lua.LState) int {
	return loadChunk(L, L.CheckString(1), L.OptString(2, "<string>"))
}

// load is load(func [, chunkname]): the chunk is the concatenation of the
// strings func returns until it returns nil or "", at most source.MaxBytes.
func load(L *lua.LState) int {
	fn := L.CheckFunction(1)
	name := L.OptString(2, "?")
	var b strings.Builder
	for {
		L.Push(fn)
		L.Call(0, 1)
		ret := L.Get(-1)
		L.Pop(1)
		if ret == lua.LNil {
			break
		}
		if !lua.LVCanConvToString(ret) {
			L.Push(lua.LNil)
			L.Push(lua.LString("reader function must return a string"))
			return 2
		}
		s := lua.LVAsString(ret)
		if s == "" {
			break
		}
		if b.Len()+len(s) > source.MaxBytes {
			L.Push(lua.LNil)
			L.Push(lua.LString(fmt.Sprintf("%s: source too large (the limit is %d bytes)", name, source.MaxBytes)))
			return 2
		}
		b.WriteString(s)
	}
	return loadChunk(L, b.String(), name)
}

// compiled is the outcome of a compile.
type compiled struct {
	proto *lua.FunctionProto
	err   error
}

// loadChunk pushes the function of chunk src named name, or nil and the
// error message.
func loadChunk(L *lua.LState, src, name string) int {
	if err := source.Check([]byte(src)); err != nil {
		L.Push(lua.LNil)
		L.Push(lua.LString(name + ": " + err.Error()))
		return 2
	}
	done := make(chan compiled, 1)
	go func() {
		defer func() {
			if v := recover(); v != nil {
				done <- compiled{err: fmt.Errorf("%s: cannot compile: %v", name, v)}
			}
		}()
		chunk, err := parse.Parse(strings.NewReader(src), name)
		if err != nil {
			done <- compiled{err: err}
			return
		}
		p, err := lua.Compile(chunk, name)
		done <- compiled{proto: p, err: err}
	}()
	var c compiled
	if ctx := L.Context(); ctx != nil {
		select {
		case c = <-done:
		case <-ctx.Done():
			L.RaiseError("%s", ctx.Err())
		}
	} else {
		c = <-done
	}
	if c.err != nil {
		L.Push(lua.LNil)
		L.Push(lua.LString(c.err.Error()))
		return 2
	}
	L.Push(L.NewFunctionFromProto(c.proto))
	return 1
}
