package stdlib

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

// Lib is what the sandbox takes from gopher-lua's libraries, with the
// sandbox's replacements. It is complete when New returns it, and safe for
// concurrent use.
type Lib struct {
	libs      []library
	shareOnce sync.Once // makes the shared function values, at the first open
	// gopher-lua's os functions, which the sandbox wraps (time, date: the
	// engine's clock) or reuses (clock, getenv) in its restricted os table.
	OsTime, OsDate, OsClock, OsGetenv lua.LGFunction
}

// New records the sandbox's libraries from gopher-lua's, with the
// functions that could outlive a run or build unbounded strings replaced
// (see the package comment): the strings string.rep, string.format,
// string.gsub and table.concat build are refused beyond maxStringBytes.
func New(maxStringBytes int) *Lib {
	lib := record()
	limitStrings(lib, maxStringBytes)
	lib.override("coroutine", "yield", yield)
	lib.override("_G", "loadstring", loadString)
	lib.override("_G", "load", load)
	return lib
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

// record records the sandbox's libraries from a scratch LState.
func record() *Lib {
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
	lib := &Lib{}
	for _, sl := range sandboxLibs {
		t := open(sl.open)
		lib.libs = append(lib.libs, recordLibrary(sl.name, t, sl.remove))
	}
	osmod := open(lua.OpenOs)
	lib.OsTime, lib.OsDate = goFunc(osmod, "time"), goFunc(osmod, "date")
	lib.OsClock, lib.OsGetenv = goFunc(osmod, "clock"), goFunc(osmod, "getenv")
	return lib
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
func (lib *Lib) share() {
	L := lua.NewState(lua.Options{SkipOpenLibs: true})
	defer L.Close()
	for i := range lib.libs {
		for j := range lib.libs[i].fields {
			f := &lib.libs[i].fields[j]
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

// Open builds the recorded libraries in L: the base functions in the global
// table, the others as global tables, all of them in loaded (package.loaded),
// and the string library as the metatable of strings.
func (lib *Lib) Open(L *lua.LState, loaded *lua.LTable) {
	lib.shareOnce.Do(lib.share)
	g := L.G.Global
	for i := range lib.libs {
		rec := &lib.libs[i]
		t := g
		if rec.name != "_G" {
			t = L.CreateTable(0, len(rec.fields))
		}
		for _, f := range rec.fields {
			var v lua.LValue
			switch {
			case f.fn != nil:
				v = f.shared
			case f.alias >= 0:
				v = t.RawGetString(rec.fields[f.alias].key)
			case f.self:
				v = t
			default:
				v = f.value
			}
			t.RawSetString(f.key, v)
		}
		if rec.name != "_G" {
			g.RawSetString(rec.name, t)
		}
		if rec.name == "string" {
			L.SetMetatable(lua.LString(""), t)
		}
		loaded.RawSetString(rec.name, t)
	}
}

// field returns the field key of library name.
func (lib *Lib) field(name, key string) *libField {
	for i := range lib.libs {
		if lib.libs[i].name != name {
			continue
		}
		fields := lib.libs[i].fields
		for j := range fields {
			f := &fields[j]
			if f.key != key {
				continue
			}
			if f.alias >= 0 { // string.gfind is string.gmatch
				f = &fields[f.alias]
			}
			if f.fn != nil {
				return f
			}
		}
	}
	panic("engine: gopher-lua has no Go function " + name + "." + key)
}

// fn returns the Go function key of library name.
func (lib *Lib) fn(name, key string) lua.LGFunction { return lib.field(name, key).fn }

// override replaces the Go function key of library name (and its aliases).
func (lib *Lib) override(name, key string, fn lua.LGFunction) {
	f := lib.field(name, key)
	f.fn, f.upvals = fn, nil
}
