package engine

import (
	"fmt"
	"sync"

	lua "github.com/yuin/gopher-lua"
)

// The sandbox's standard library is taken once, in New, from a scratch
// LState where gopher-lua's libraries are opened: every function of the
// allowed libraries is recorded as its Go function, and each run builds
// fresh tables from those records. The tables are the run's own; only the
// function values (Go functions, which no script can change: there is no
// setfenv, debug library or string.dump in the sandbox) and immutable
// constants are shared by every run. This is much cheaper than opening the
// libraries per run, which looks names up, splits module paths, grows
// tables and allocates a hundred function values.

// libField is one field of a library table.
type libField struct {
	key    string
	fn     lua.LGFunction   // Go function; nil for a constant
	upvals []lua.LGFunction // Go functions a closure closes over (ipairs, pairs, gmatch)
	alias  int              // index of an earlier field holding the same function, or -1
	value  lua.LValue       // constant (number or string); nil for a function or self
	self   bool             // the library table itself (_G._G, string.__index)
	shared *lua.LFunction   // the function value of fn (and upvals) every run shares
}

// library is the recorded content of one library table.
type library struct {
	name   string // global name; "_G" for the base library
	fields []libField
}

// stdLib is what the sandbox takes from gopher-lua's libraries.
type stdLib struct {
	libs      []library
	shareOnce sync.Once // makes the shared function values, at the first open
	// Go functions the sandbox wraps or reuses.
	osTime, osDate, osClock, osGetenv lua.LGFunction
}

// sandboxLibs are the libraries a script gets, with the fields removed from
// them. The base library also loses the functions the sandbox replaces.
var sandboxLibs = []struct {
	name   string
	open   lua.LGFunction
	remove []string
}{
	{"_G", lua.OpenBase, []string{
		// removed: file access, environment tampering, GC control, debugging
		"dofile", "loadfile", "collectgarbage", "getfenv", "setfenv", "newproxy", "module", "_printregs",
		// replaced by the sandbox
		"print", "require", "assert", "error", "pcall", "xpcall",
	}},
	{"table", lua.OpenTable, nil},
	{"string", lua.OpenString, []string{"dump"}},
	{"math", lua.OpenMath, nil},
	{"coroutine", lua.OpenCoroutine, nil},
}

// loadStdLib records the sandbox's libraries from a scratch LState.
func loadStdLib() *stdLib {
	L := lua.NewState(lua.Options{SkipOpenLibs: true})
	defer L.Close()
	open := func(f lua.LGFunction) *lua.LTable {
		L.Push(L.NewFunction(f))
		L.Call(0, 1)
		t := L.CheckTable(-1)
		L.Pop(1)
		return t
	}
	goFunc := func(t *lua.LTable, name string) lua.LGFunction {
		f, ok := t.RawGetString(name).(*lua.LFunction)
		if !ok || !f.IsG {
			panic("engine: gopher-lua has no Go function " + name)
		}
		return f.GFunction
	}
	std := &stdLib{}
	for _, sl := range sandboxLibs {
		t := open(sl.open)
		std.libs = append(std.libs, recordLibrary(sl.name, t, sl.remove))
	}
	osmod := open(lua.OpenOs)
	std.osTime, std.osDate = goFunc(osmod, "time"), goFunc(osmod, "date")
	std.osClock, std.osGetenv = goFunc(osmod, "clock"), goFunc(osmod, "getenv")
	return std
}

// recordLibrary records the fields of t but those in remove. It panics on a
// field it cannot rebuild, which would be a change of gopher-lua.
func recordLibrary(name string, t *lua.LTable, remove []string) library {
	skip := map[string]bool{}
	for _, r := range remove {
		skip[r] = true
	}
	lib := library{name: name}
	seen := map[*lua.LFunction]int{}
	t.ForEach(func(k, v lua.LValue) {
		key, ok := k.(lua.LString)
		if !ok {
			panic(fmt.Sprintf("engine: %s has a non-string key %v", name, k))
		}
		if skip[string(key)] {
			return
		}
		f := libField{key: string(key), alias: -1}
		switch v := v.(type) {
		case *lua.LFunction:
			if i, ok := seen[v]; ok {
				f.alias = i
				break
			}
			if !v.IsG {
				panic(fmt.Sprintf("engine: %s.%s is not a Go function", name, key))
			}
			f.fn = v.GFunction
			for _, uv := range v.Upvalues {
				g, ok := uv.Value().(*lua.LFunction)
				if !ok || !g.IsG || len(g.Upvalues) > 0 {
					panic(fmt.Sprintf("engine: %s.%s closes over a non-Go function", name, key))
				}
				f.upvals = append(f.upvals, g.GFunction)
			}
			seen[v] = len(lib.fields)
		case *lua.LTable:
			if v != t {
				panic(fmt.Sprintf("engine: %s.%s is a table", name, key))
			}
			f.self = true
		case lua.LNumber, lua.LString, lua.LBool:
			f.value = v
		default:
			panic(fmt.Sprintf("engine: %s.%s is a %s", name, key, v.Type()))
		}
		lib.fields = append(lib.fields, f)
	})
	return lib
}

// share makes the function value of every function field, in a scratch
// LState (override must not be called after it).
func (std *stdLib) share() {
	L := lua.NewState(lua.Options{SkipOpenLibs: true})
	defer L.Close()
	for i := range std.libs {
		for j := range std.libs[i].fields {
			f := &std.libs[i].fields[j]
			switch {
			case f.fn != nil && len(f.upvals) == 0:
				f.shared = L.NewFunction(f.fn)
			case f.fn != nil:
				upvals := make([]lua.LValue, len(f.upvals))
				for k, u := range f.upvals {
					upvals[k] = L.NewFunction(u)
				}
				f.shared = L.NewClosure(f.fn, upvals...)
			}
		}
	}
}

// open builds the recorded libraries in L: the base functions in the global
// table, the others as global tables, all of them in loaded (package.loaded),
// and the string library as the metatable of strings.
func (std *stdLib) open(L *lua.LState, loaded *lua.LTable) {
	std.shareOnce.Do(std.share)
	g := L.G.Global
	for i := range std.libs {
		lib := &std.libs[i]
		t := g
		if lib.name != "_G" {
			t = L.CreateTable(0, len(lib.fields))
		}
		for _, f := range lib.fields {
			var v lua.LValue
			switch {
			case f.fn != nil:
				v = f.shared
			case f.alias >= 0:
				v = t.RawGetString(lib.fields[f.alias].key)
			case f.self:
				v = t
			default:
				v = f.value
			}
			t.RawSetString(f.key, v)
		}
		if lib.name != "_G" {
			g.RawSetString(lib.name, t)
		}
		if lib.name == "string" {
			L.SetMetatable(lua.LString(""), t)
		}
		loaded.RawSetString(lib.name, t)
	}
}
