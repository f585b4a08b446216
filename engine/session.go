package engine

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"

	lua "github.com/yuin/gopher-lua"

	"github.com/soracron/soracron/bindings/plan"
	sorastats "github.com/soracron/soracron/bindings/sora/stats"
	"github.com/soracron/soracron/engine/internal/stdlib"
)

// SessionOptions configure a Session.
type SessionOptions struct {
	// Dir is the require root: require("lib.util") loads Dir/lib/util.lua.
	// "." when empty.
	Dir string
	// Args becomes the global table `args` (empty when nil).
	Args map[string]any
	// DryRun makes the sora module plan its writes instead of sending them.
	DryRun bool
	// Concurrency is the default concurrency of sora.batch and sora.update_all.
	Concurrency int
	// HTTPAllow lists the hosts the http module may reach (none when empty).
	HTTPAllow []string
	// Logger receives print and the log module; the Engine's logger when nil.
	Logger *slog.Logger
	// Modules are extra modules for require, by name (e.g. "testing"). A
	// name of a built-in module (sora, json, log, time) replaces it.
	Modules map[string]lua.LGFunction
}

// Session is one long-lived sandboxed Lua state with the modules and
// globals of a run, for callers that run many chunks in the same state: the
// REPL and the Lua test runner. Globals persist from one chunk or call to
// the next; each chunk or call gets its own context (cancellation, timeout)
// and its failures are *ScriptError as in Run. A Session is not safe for
// concurrent use; Close it when done.
type Session struct {
	r *run
}

// NewSession returns a Session whose state is sandboxed like a run's.
func (e *Engine) NewSession(opts SessionOptions) (*Session, error) {
	dir := opts.Dir
	if dir == "" {
		dir = "."
	}
	r := e.newRun(context.Background(), Request{
		Script:      filepath.Join(dir, "(session)"),
		Args:        opts.Args,
		DryRun:      opts.DryRun,
		Concurrency: opts.Concurrency,
		HTTPAllow:   opts.HTTPAllow,
		Logger:      opts.Logger,
	})
	r.dir = dir
	r.chunks = map[string]bool{}
	if err := r.openSandbox(); err != nil {
		r.L.Close()
		return nil, err
	}
	for name, fn := range opts.Modules {
		r.preload.RawSetString(name, r.L.NewFunction(fn))
	}
	r.L.RemoveContext()
	return &Session{r: r}, nil
}

// State returns the session's LState, e.g. to set globals or convert
// values. Do not close it or change its context.
func (s *Session) State() *lua.LState { return s.r.L }

// DoFile compiles the file at path (through the Engine's cache; the chunk
// is named path) and runs it, returning the values it returns.
func (s *Session) DoFile(ctx context.Context, path string) ([]lua.LValue, error) {
	proto, err := s.r.e.load(ctx, path)
	if err != nil {
		return nil, err
	}
	s.r.chunks[path] = true
	s.r.req.Script = path
	return s.Call(ctx, s.r.L.NewFunctionFromProto(proto))
}

// Compile compiles src as a chunk named name, without caching it. A syntax
// error is a *ScriptError of Kind Syntax whose Err is gopher-lua's error (a
// *parse.Error with Pos.Line == parse.EOF when the input ended early).
func (s *Session) Compile(name, src string) (*lua.LFunction, error) {
	proto, err := compileChunk(name, []byte(src))
	if err != nil {
		return nil, err
	}
	s.r.chunks[name] = true
	return s.r.L.NewFunctionFromProto(proto), nil
}

// DoString compiles src as a chunk named name and runs it, returning the
// values it returns.
func (s *Session) DoString(ctx context.Context, name, src string) ([]lua.LValue, error) {
	fn, err := s.Compile(name, src)
	if err != nil {
		return nil, err
	}
	s.r.req.Script = name
	return s.Call(ctx, fn)
}

// Call calls fn with args under ctx and returns its results. A Lua error,
// a timeout (ctx's deadline) or a cancellation is a *ScriptError.
func (s *Session) Call(ctx context.Context, fn lua.LValue, args ...lua.LValue) ([]lua.LValue, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	if err := ctx.Err(); err != nil {
		return nil, &ScriptError{Kind: kindOf(err), Script: s.r.req.Script, Message: err.Error(), Err: err}
	}
	r := s.r
	L := r.L
	r.ctx = ctx
	L.SetContext(ctx)
	defer L.RemoveContext()
	top := L.GetTop()
	L.Push(fn)
	for _, a := range args {
		L.Push(a)
	}
	if err := stdlib.ProtectedCall(L, len(args), lua.MultRet, r.handler()); err != nil {
		L.SetTop(top)
		return nil, r.scriptError(err)
	}
	n := L.GetTop() - top
	out := make([]lua.LValue, n)
	for i := range n {
		out[i] = L.Get(top + 1 + i)
	}
	L.SetTop(top)
	return out, nil
}

// kindOf classifies a context error.
func kindOf(err error) ErrorKind {
	if errors.Is(err, context.DeadlineExceeded) {
		return Timeout
	}
	return Cancelled
}

// Stats returns the sora module's calls so far (empty without a client).
func (s *Session) Stats() sorastats.Stats {
	if s.r.sora == nil {
		return sorastats.Stats{Calls: map[string]int{}, DryRun: s.r.req.DryRun}
	}
	return s.r.sora.Stats()
}

// Plan returns the dry-run plan so far, nil unless the session is a dry run.
func (s *Session) Plan() *plan.Plan {
	if s.r.sora == nil {
		return nil
	}
	return s.r.sora.Plan()
}

// Close releases the session's state.
func (s *Session) Close() { s.r.L.Close() }
