package engine

import (
	"fmt"
	"log/slog"
	"strings"

	lua "github.com/yuin/gopher-lua"

	luajson "github.com/soracron/soracron/bindings/json"
)

// Log attribute keys and values of the engine.
const (
	attrSource  = "source"
	sourcePrint = "print"
)

// openSandbox completes the sandbox of r.L (see newSandbox for the rest:
// the safe standard libraries, a restricted os, package/require, print and
// the preloaded modules) with args.
func (r *run) openSandbox() error {
	L := r.L
	g := L.G.Global
	args := r.req.Args
	if args == nil {
		args = map[string]any{}
	}
	lv, err := luajson.TryToLua(L, args)
	if err != nil {
		return fmt.Errorf("args: %w", err)
	}
	g.RawSetString("args", lv)
	if r.req.Event != nil {
		ev, err := luajson.TryToLua(L, r.req.Event)
		if err != nil {
			return fmt.Errorf("event: %w", err)
		}
		g.RawSetString("event", readOnly(L, ev, "event"))
	}
	return nil
}

// readOnly returns a proxy of t whose fields (and those of its nested
// tables) can be read but not set: assigning one raises an error naming
// what was meant.
func readOnly(L *lua.LState, v lua.LValue, name string) lua.LValue {
	t, ok := v.(*lua.LTable)
	if !ok {
		return v
	}
	t.ForEach(func(k, x lua.LValue) {
		if _, nested := x.(*lua.LTable); nested {
			t.RawSet(k, readOnly(L, x, name+"."+k.String()))
		}
	})
	proxy := L.CreateTable(0, 0)
	mt := L.CreateTable(0, 4)
	mt.RawSetString("__index", t)
	mt.RawSetString("__newindex", L.NewFunction(func(L *lua.LState) int {
		L.RaiseError("%s is read-only: cannot set %s.%s", name, name, L.Get(2).String())
		return 0
	}))
	mt.RawSetString("__len", L.NewFunction(func(L *lua.LState) int {
		L.Push(lua.LNumber(t.Len()))
		return 1
	}))
	mt.RawSetString("__pairs", L.NewFunction(func(L *lua.LState) int {
		L.Push(L.GetGlobal("next"))
		L.Push(t)
		L.Push(lua.LNil)
		return 3
	}))
	mt.RawSetString("__metatable", lua.LString("read-only"))
	proxy.Metatable = mt
	return proxy
}

// loadSora is the loader of the sora module: the run's, or an error when
// the engine has no client.
func (r *run) loadSora(L *lua.LState) int {
	if r.sora == nil {
		L.RaiseError("sora: no Sora API configured (set the Sora URL)")
		return 0
	}
	return r.sora.Loader(L)
}

// print logs its arguments, converted with tostring and separated by tabs,
// at level info with source=print.
func (r *run) print(L *lua.LState) int {
	ctx := r.ctx
	if !r.logger.Enabled(ctx, slog.LevelInfo) {
		return 0
	}
	var b strings.Builder
	for i := 1; i <= L.GetTop(); i++ {
		if i > 1 {
			b.WriteByte('\t')
		}
		b.WriteString(L.ToStringMeta(L.Get(i)).String())
	}
	r.logger.LogAttrs(ctx, slog.LevelInfo, b.String(), slog.String(attrSource, sourcePrint))
	return 0
}

// osTime is os.time: the injected clock without an argument, gopher-lua's
// os.time with a date table.
func (e *Engine) osTime(L *lua.LState) int {
	if L.GetTop() == 0 || L.Get(1) == lua.LNil {
		L.Push(lua.LNumber(e.opts.Now().Unix()))
		return 1
	}
	return e.std.OsTime(L)
}

// osDate is os.date: the injected clock when no time is given.
func (e *Engine) osDate(L *lua.LState) int {
	if L.GetTop() == 0 || L.Get(1) == lua.LNil {
		L.SetTop(0)
		L.Push(lua.LString("%c"))
	}
	if L.GetTop() < 2 || L.Get(2) == lua.LNil {
		L.SetTop(1)
		L.Push(lua.LNumber(e.opts.Now().Unix()))
	}
	return e.std.OsDate(L)
}
