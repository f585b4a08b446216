package engine

import (
	"sync"

	lua "github.com/yuin/gopher-lua"

	luajson "github.com/soracron/soracron/bindings/json"
	lualog "github.com/soracron/soracron/bindings/log"
	luarun "github.com/soracron/soracron/bindings/run"
	"github.com/soracron/soracron/engine/internal/stdlib"
)

// MaxPrewarmed caps the sandboxes Prewarm keeps ready (a fresh sandbox
// holds about 42 KiB, so 2048 of them about 86 MiB).
const MaxPrewarmed = 2048

// sandbox is a fresh LState with its globals in place: the safe standard
// libraries, the restricted os, pcall/xpcall/assert/error, package with
// the sora, json, log and time modules preloaded, print and require. The
// functions that depend on the request (print, require, the sora and log
// loaders, the error handler) call those of the run that takes the
// sandbox; the run then only adds args and its context. A sandbox serves
// one run (or session) only and is never reused.
type sandbox struct {
	L       *lua.LState
	loaded  *lua.LTable    // package.loaded
	preload *lua.LTable    // package.preload
	loading lua.LValue     // marks a module being loaded in package.loaded
	handler *lua.LFunction // the message handler of the run's PCall
	run     *run           // the run that took the sandbox
}

// sandboxFuncs are the function values of the sandbox's own functions,
// made once and shared by every sandbox like those of the standard
// libraries (see stdlib.Lib).
type sandboxFuncs struct {
	once                              sync.Once
	pcall, xpcall, assert, error      *lua.LFunction
	osTime, osDate, osClock, osGetenv *lua.LFunction
	loaders                           map[string]*lua.LFunction // of the modules that do not depend on the run
}

// sharedFuncs returns the engine's sandboxFuncs, made on first use.
func (e *Engine) sharedFuncs() *sandboxFuncs {
	f := &e.funcs
	f.once.Do(func() {
		L := lua.NewState(lua.Options{SkipOpenLibs: true})
		defer L.Close()
		// pcall and xpcall must not let a script swallow the end of its
		// context.
		p := stdlib.NewProtector(L)
		f.pcall, f.xpcall = L.NewFunction(p.Pcall), L.NewFunction(p.Xpcall)
		f.assert, f.error = L.NewFunction(stdlib.Assert), L.NewFunction(stdlib.Error)
		f.osTime, f.osDate = L.NewFunction(e.osTime), L.NewFunction(e.osDate)
		f.osClock, f.osGetenv = L.NewFunction(e.std.OsClock), L.NewFunction(e.std.OsGetenv)
		f.loaders = e.sharedLoaders(L)
	})
	return f
}

// sandboxPool holds the sandboxes built ahead of the runs by Prewarm.
type sandboxPool struct {
	mu    sync.Mutex
	ready []*sandbox
}

// Prewarm builds fresh sandboxes, in the calling goroutine, until n are
// ready for the next runs (at most MaxPrewarmed), and returns how many it
// built. A run takes a ready sandbox when there is one and builds its own
// otherwise; either way the sandbox is fresh, never used by another run. A
// daemon that knows that many runs are due at the same instant calls
// Prewarm while it is idle, so that these runs only have to add their
// request's part before their scripts start. Prewarm is safe to call
// concurrently with Run.
func (e *Engine) Prewarm(n int) int {
	n = min(n, MaxPrewarmed)
	built := 0
	for built < n {
		e.pool.mu.Lock()
		ready := len(e.pool.ready)
		e.pool.mu.Unlock()
		if ready >= n {
			break
		}
		sb := e.newSandbox()
		e.pool.mu.Lock()
		e.pool.ready = append(e.pool.ready, sb)
		e.pool.mu.Unlock()
		built++
	}
	return built
}

// Prewarmed returns how many sandboxes are ready.
func (e *Engine) Prewarmed() int {
	e.pool.mu.Lock()
	defer e.pool.mu.Unlock()
	return len(e.pool.ready)
}

// takeSandbox returns a ready sandbox, or a new one.
func (e *Engine) takeSandbox() *sandbox {
	e.pool.mu.Lock()
	if n := len(e.pool.ready); n > 0 {
		sb := e.pool.ready[n-1]
		e.pool.ready[n-1] = nil
		e.pool.ready = e.pool.ready[:n-1]
		e.pool.mu.Unlock()
		return sb
	}
	e.pool.mu.Unlock()
	return e.newSandbox()
}

// newSandbox builds a sandbox.
func (e *Engine) newSandbox() *sandbox {
	L := lua.NewState(lua.Options{
		SkipOpenLibs:        true,
		CallStackSize:       callStackSize,
		RegistrySize:        registrySize,
		RegistryMaxSize:     registryMaxSize,
		RegistryGrowStep:    registryGrowStep,
		MinimizeStackMemory: true,
	})
	g := L.G.Global
	fn := e.sharedFuncs()
	sb := &sandbox{L: L, loaded: L.CreateTable(0, 16)}
	L.G.Registry.RawSetString("_LOADED", sb.loaded)
	e.std.Open(L, sb.loaded)

	g.RawSetString("pcall", fn.pcall)
	g.RawSetString("xpcall", fn.xpcall)
	g.RawSetString("assert", fn.assert)
	g.RawSetString("error", fn.error)

	osmod := L.CreateTable(0, 4)
	osmod.RawSetString("time", fn.osTime)
	osmod.RawSetString("date", fn.osDate)
	osmod.RawSetString("clock", fn.osClock)
	osmod.RawSetString("getenv", fn.osGetenv)
	g.RawSetString("os", osmod)
	sb.loaded.RawSetString("os", osmod)

	sb.preload = L.CreateTable(0, len(moduleNames))
	if e.opts.MaxStringBytes != luajson.MaxBytes {
		luajson.SetMaxBytes(L, e.opts.MaxStringBytes) // json.encode/decode follow MaxStringBytes
	}
	for name, loader := range fn.loaders {
		sb.preload.RawSetString(name, loader)
	}
	// The functions of the run that takes the sandbox.
	sb.preload.RawSetString("sora", L.NewFunction(func(L *lua.LState) int { return sb.run.loadSora(L) }))
	sb.preload.RawSetString("log", L.NewFunction(func(L *lua.LState) int {
		return lualog.New(sb.run.logger).Loader(L)
	}))
	sb.preload.RawSetString("http", L.NewFunction(func(L *lua.LState) int { return sb.run.loadHTTP(L) }))
	sb.preload.RawSetString("run", L.NewFunction(func(L *lua.LState) int { return luarun.New(sb.run.req.Run).Loader(L) }))
	g.RawSetString("print", L.NewFunction(func(L *lua.LState) int { return sb.run.print(L) }))
	g.RawSetString("pairs", stdlib.MetaPairs(L, g.RawGetString("pairs")))
	g.RawSetString("require", L.NewFunction(func(L *lua.LState) int { return sb.run.require(L) }))
	sb.handler = L.NewFunction(func(L *lua.LState) int { return sb.run.handle(L) })
	// The key of args, so that setting it does not grow the table; the run
	// sets its value before any script sees it.
	g.RawSetString("args", lua.LFalse)
	luajson.Null(L) // makes the json state (null, the array and object markers) now
	pkg := L.CreateTable(0, 2)
	pkg.RawSetString("loaded", sb.loaded)
	pkg.RawSetString("preload", sb.preload)
	g.RawSetString("package", pkg)
	sb.loaded.RawSetString("package", pkg)
	sb.loading = L.NewUserData()
	return sb
}
