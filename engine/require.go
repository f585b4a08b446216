package engine

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/soracron/soracron/engine/internal/source"
)

// require loads a module once per run: from package.loaded, else from
// package.preload (sora, json, log, time), else from a .lua file under the
// script's directory: require("lib.util") loads lib/util.lua (or
// lib/util/init.lua) beside the script.
func (r *run) require(L *lua.LState) int {
	name := L.CheckString(1)
	if v := r.loaded.RawGetString(name); lua.LVAsBool(v) {
		if v == r.loading {
			L.RaiseError("require %q: loop or previous error loading module", name)
		}
		L.Push(v)
		return 1
	}
	var loader lua.LValue = r.preload.RawGetString(name)
	preloaded := loader != lua.LNil
	if !preloaded {
		proto, err := r.loadModule(name)
		if err != nil {
			var se *ScriptError
			if errors.As(err, &se) {
				raiseScriptError(L, se)
			}
			L.RaiseError("require %q: %s", name, err)
		}
		loader = L.NewFunctionFromProto(proto)
	}
	r.loaded.RawSetString(name, r.loading)
	L.Push(loader)
	L.Push(lua.LString(name))
	L.Call(1, 1)
	ret := L.Get(-1)
	L.Pop(1)
	switch cur := r.loaded.RawGetString(name); {
	case cur != r.loading: // the module set package.loaded[name] itself
		ret = cur
	case ret == lua.LNil:
		ret = lua.LTrue
	}
	if t, ok := ret.(*lua.LTable); ok && preloaded {
		guardModule(L, name, t)
	}
	r.loaded.RawSetString(name, ret)
	L.Push(ret)
	return 1
}

// loadModule finds the file of module name under the script's directory and
// compiles it (through the cache). The chunk is named by its path as the
// script's path was given, e.g. scripts/lib/util.lua.
func (r *run) loadModule(name string) (*lua.FunctionProto, error) {
	parts, err := moduleParts(name)
	if err != nil {
		return nil, err
	}
	rel := filepath.Join(parts...)
	candidates := []string{rel + ".lua", filepath.Join(rel, "init.lua")}
	for _, c := range candidates {
		path := filepath.Join(r.dir, c)
		real, err := filepath.EvalSymlinks(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if err := r.checkInside(path, real); err != nil {
			return nil, err
		}
		src, _, err := source.Read(r.ctx, real)
		if err != nil {
			return nil, err
		}
		r.chunks[path] = true
		return r.e.cache.compile(path, src)
	}
	return nil, fmt.Errorf("module not found: not preloaded, no file %s or %s",
		filepath.Join(r.dir, candidates[0]), filepath.Join(r.dir, candidates[1]))
}

// checkInside fails when real, the resolved path of path, is outside the
// script's directory (with symlinks resolved too).
func (r *run) checkInside(path, real string) error {
	if r.realDir == "" {
		d, err := filepath.EvalSymlinks(r.dir)
		if err != nil {
			return err
		}
		if d, err = filepath.Abs(d); err != nil {
			return err
		}
		r.realDir = d
	}
	abs, err := filepath.Abs(real)
	if err != nil {
		return err
	}
	rel, err := filepath.Rel(r.realDir, abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || filepath.IsAbs(rel) {
		return fmt.Errorf("%s resolves to %s, outside the script directory %s", path, abs, r.realDir)
	}
	return nil
}

// moduleParts validates a module name and splits it at dots.
func moduleParts(name string) ([]string, error) {
	if name == "" {
		return nil, errors.New("invalid module name: empty")
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
			return nil, fmt.Errorf("invalid module name: %q is not allowed (use letters, digits, '_', '-' and '.' only; modules are looked up under the script's directory)", c)
		}
	}
	parts := strings.Split(name, ".")
	for _, p := range parts {
		if p == "" {
			return nil, errors.New("invalid module name: empty path element (a leading, trailing or double '.'); modules cannot escape the script's directory")
		}
	}
	return parts, nil
}

// raiseScriptError raises se (a syntax error of a required module) as a
// userdata that the engine's error handler recognizes and that prints as
// the error's message.
func raiseScriptError(L *lua.LState, se *ScriptError) {
	ud := L.NewUserData()
	ud.Value = se
	mt := L.CreateTable(0, 1)
	mt.RawSetString("__tostring", L.NewFunction(func(L *lua.LState) int {
		L.Push(lua.LString(se.Error()))
		return 1
	}))
	L.SetMetatable(ud, mt)
	L.Error(ud, 0)
}
