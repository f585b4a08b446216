package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	nethttp "net/http"
	"path/filepath"
	"time"

	lua "github.com/yuin/gopher-lua"

	luahttp "github.com/soracron/soracron/bindings/http"
	luajson "github.com/soracron/soracron/bindings/json"
	"github.com/soracron/soracron/bindings/plan"
	luasora "github.com/soracron/soracron/bindings/sora"
	sorastats "github.com/soracron/soracron/bindings/sora/stats"
	"github.com/soracron/soracron/engine/internal/source"
	"github.com/soracron/soracron/engine/internal/stdlib"
)

// LState sizes. The call stack and the registry (the Lua data stack) start
// small, which makes NewState cheap, and grow on demand up to the limits.
const (
	callStackSize    = 1024    // maximum call depth
	registrySize     = 256     // initial data stack slots
	registryGrowStep = 16384   // data stack slots added when it is full (each growth copies the stack: small steps make a full stack cost a minute)
	registryMaxSize  = 1 << 20 // maximum data stack slots (16 MiB)
)

// Engine runs scripts. It holds the compile cache and is safe for concurrent
// use by many goroutines.
type Engine struct {
	opts          Options
	cache         *protoCache
	std           *stdlib.Lib
	stamps        stampCache   // versions of the scripts compiled last
	funcs         sandboxFuncs // function values shared by every sandbox
	pool          sandboxPool  // sandboxes built ahead by Prewarm
	mods          engineModules
	httpTransport *nethttp.Transport // of the http module, shared by the runs
}

// New returns an Engine configured with opts.
func New(opts Options) *Engine {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	switch {
	case opts.MaxStringBytes == 0:
		opts.MaxStringBytes = DefaultMaxStringBytes
	case opts.MaxStringBytes < 0:
		opts.MaxStringBytes = math.MaxInt
	}
	return &Engine{
		opts:  opts,
		cache: newProtoCache(DefaultCacheSize),
		std:   stdlib.New(opts.MaxStringBytes),
		mods:  newEngineModules(opts.MaxStringBytes),
		// The http module's connections are kept between runs.
		httpTransport: luahttp.NewTransport(),
	}
}

// Compile reads and compiles the script at path, filling the cache. A syntax
// error is a *ScriptError of Kind Syntax.
func (e *Engine) Compile(path string) error {
	_, err := e.load(context.Background(), path)
	return err
}

// load reads the file at path and returns its compiled chunk, named path.
// A file that has not changed since it was last read (see stampCache) is
// not read again.
func (e *Engine) load(ctx context.Context, path string) (*lua.FunctionProto, error) {
	if p := e.stamps.lookup(path); p != nil {
		return p, nil
	}
	readAt := time.Now()
	src, fi, err := source.Read(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("script: %w", err)
	}
	p, err := e.cache.compile(path, src)
	if err == nil {
		e.stamps.remember(path, fi, readAt, p)
	}
	return p, err
}

// Run runs one script to completion, timeout or cancellation. Script
// failures are *ScriptError; the Result is non-nil even on error and carries
// the statistics of what the script did before it failed.
func (e *Engine) Run(ctx context.Context, req Request) (res *Result, err error) {
	start := time.Now()
	res = &Result{Stats: sorastats.Stats{Calls: map[string]int{}, DryRun: req.DryRun}}
	if req.DryRun {
		res.Plan = &plan.Plan{}
	}
	defer func() { res.Duration = time.Since(start) }()

	if req.Script == "" {
		return res, errors.New("script: no path")
	}
	switch req.Isolation {
	case "", IsolationNone:
	case IsolationProcess:
		return e.runIsolated(ctx, req)
	default:
		return res, fmt.Errorf("isolation %q: want none or process", req.Isolation)
	}
	var cancel context.CancelFunc
	if req.Timeout > 0 {
		ctx, cancel = context.WithTimeout(ctx, req.Timeout)
	} else {
		ctx, cancel = context.WithCancel(ctx)
	}
	defer cancel()
	proto, err := e.pinned(ctx, req)
	if err != nil {
		return res, err
	}

	r := e.newRun(ctx, req)
	defer r.L.Close()
	if err := r.openSandbox(); err != nil {
		return res, err
	}
	if r.sora != nil {
		defer func() {
			res.Stats = r.sora.Stats()
			res.Plan = r.sora.Plan()
		}()
	}
	return res, r.exec(proto, res)
}

// run is the state of one Run.
type run struct {
	e      *Engine
	req    Request
	ctx    context.Context
	L      *lua.LState
	logger *slog.Logger
	sora   *luasora.Module

	dir      string // require root, as given
	realDir  string // require root with symlinks resolved, set on first require
	loaded   *lua.LTable
	preload  *lua.LTable
	loading  lua.LValue      // marks a module being loaded in package.loaded
	chunks   map[string]bool // chunk names of this run, to parse error positions
	handlerF *lua.LFunction
}

func (e *Engine) newRun(ctx context.Context, req Request) *run {
	r := &run{
		e:      e,
		req:    req,
		ctx:    ctx,
		logger: req.Logger,
		dir:    filepath.Dir(req.Script),
		chunks: map[string]bool{req.Script: true},
	}
	if r.logger == nil {
		r.logger = e.opts.Logger
	}
	if e.opts.Client != nil {
		r.sora = luasora.New(e.opts.Client, luasora.Options{
			DryRun:      req.DryRun,
			Concurrency: req.Concurrency,
			Logger:      r.logger,
			Progress:    e.opts.Progress,
		})
	}
	sb := e.takeSandbox()
	sb.run = r
	r.L, r.loaded, r.preload, r.loading, r.handlerF = sb.L, sb.loaded, sb.preload, sb.loading, sb.handler
	r.L.SetContext(ctx)
	return r
}

// exec runs the main chunk and fills res.Value.
func (r *run) exec(proto *lua.FunctionProto, res *Result) error {
	L := r.L
	L.Push(L.NewFunctionFromProto(proto))
	handler := r.handler()
	if r.req.OnStart != nil {
		r.req.OnStart()
	}
	if err := stdlib.ProtectedCall(L, 0, lua.MultRet, handler); err != nil {
		return r.scriptError(err)
	}
	if err := r.ctx.Err(); err != nil {
		// The run's time ran out, or it was cancelled, while the script
		// ran: a request or update_all cut short returned to it, and it
		// finished without its work done. It did not succeed.
		return r.scriptError(err)
	}
	if L.GetTop() == 0 || L.Get(1) == lua.LNil {
		if L.GetTop() >= 2 && L.Get(2) != lua.LNil {
			// return nil, err: the idiomatic failure, as assert(nil, err) would raise it.
			msg, ok := L.Get(2).(lua.LString)
			if !ok {
				msg = lua.LString(r.errorString(L, L.Get(2), false))
			}
			return &ScriptError{Kind: Runtime, Script: r.req.Script, Message: string(msg), Err: ErrReturnedError}
		}
		return nil
	}
	v, err := luajson.FromLuaPath(L.Get(1), "return value")
	if err != nil {
		return &ScriptError{Kind: Runtime, Script: r.req.Script, Message: err.Error(), Err: err}
	}
	res.Value, res.HasValue = v, true
	return nil
}
