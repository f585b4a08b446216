package engine

import (
	"context"
	"fmt"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/soracron/soracron/engine/internal/source"
)

// Script is a script file compiled once and kept: a run whose
// Request.Compiled is set runs this chunk and does not read the file again,
// whatever has happened to the file since. The daemon pins the scripts
// of its jobs this way at load and at each successful reload.
//
// Only the main chunk is pinned: the .lua modules a script requires are
// read when the run requires them (through the compile cache, like any
// run's).
type Script struct {
	path  string
	src   []byte // the source as read, for runs in a child process
	proto *lua.FunctionProto
}

// Path is the path of the script's file, as given to Load.
func (s *Script) Path() string { return s.path }

// Load reads and compiles the script at path and returns the compiled
// chunk, to be run later with Request.Compiled. A syntax error is a
// *ScriptError of Kind Syntax.
func (e *Engine) Load(path string) (*Script, error) {
	readAt := time.Now()
	src, fi, err := source.Read(context.Background(), path)
	if err != nil {
		return nil, fmt.Errorf("script: %w", err)
	}
	p, err := e.cache.compile(path, src)
	if err != nil {
		return nil, err
	}
	e.stamps.remember(path, fi, readAt, p)
	return &Script{path: path, src: src, proto: p}, nil
}

// pinned returns the chunk a run of req executes: req.Compiled's when it
// is set (a Script of another path is an error), else the file's as it is
// now.
func (e *Engine) pinned(ctx context.Context, req Request) (*lua.FunctionProto, error) {
	if req.Compiled == nil {
		return e.load(ctx, req.Script)
	}
	if req.Compiled.path != req.Script {
		return nil, fmt.Errorf("script %s: compiled chunk is of %s", req.Script, req.Compiled.path)
	}
	return req.Compiled.proto, nil
}
