package engine

import (
	"context"
	"errors"
	"io"
	"log/slog"

	"github.com/soracron/soracron/engine/internal/isolation"
	"github.com/soracron/soracron/sora"
)

// ServeChild serves one isolated run in a child process: it reads the
// request from in, applies its memory limit to the process (a heap
// watchdog and an OS limit), runs it, and writes the run's logs, its
// start and its result to out as JSON lines (engine/internal/isolation
// owns the protocol and the limit). It returns the process's exit code.
// ctx should end at SIGINT and SIGTERM (the parent interrupts the child
// when the run is cancelled). It is meant for soracron's hidden child
// subcommand only.
func ServeChild(ctx context.Context, in io.Reader, out io.Writer) int {
	return isolation.Serve(ctx, in, out, serveChild)
}

// serveChild runs the request of an isolated run in its child process,
// with an engine of its own.
func serveChild(ctx context.Context, req *isolation.Request, logger *slog.Logger, onStart func()) *isolation.Result {
	opts := Options{Logger: logger, MaxStringBytes: req.MaxStringBytes, HTTPSetting: req.HTTPSetting}
	if req.Sora != nil {
		client, err := sora.New(req.Sora.Config())
		if err != nil {
			return &isolation.Result{Error: &isolation.Error{Message: err.Error()}}
		}
		defer client.CloseIdleConnections()
		opts.Client = client
	}
	e := New(opts)
	var compiled *Script
	if req.Source != nil {
		p, err := e.cache.compile(req.Script, req.Source)
		if err != nil {
			return &isolation.Result{Error: newChildError(err)}
		}
		compiled = &Script{path: req.Script, src: req.Source, proto: p}
	}
	res, err := e.Run(ctx, Request{
		Script: req.Script, Compiled: compiled, Args: req.Args, Event: req.Event, Run: req.Run, DryRun: req.DryRun, Timeout: req.Timeout,
		Concurrency: req.Concurrency, HTTPAllow: req.HTTPAllow,
		OnStart: onStart,
	})
	cr := &isolation.Result{Value: res.Value, HasValue: res.HasValue, Stats: res.Stats, Plan: res.Plan}
	if err != nil {
		cr.Error = newChildError(err)
	}
	return cr
}

// newChildError is the isolation.Error of err, for the parent.
func newChildError(err error) *isolation.Error {
	var se *ScriptError
	if !errors.As(err, &se) {
		return &isolation.Error{Message: err.Error()}
	}
	return &isolation.Error{Kind: int(se.Kind), Script: se.Script, Line: se.Line, Message: se.Message, Traceback: se.Traceback,
		Deadline: errors.Is(se.Err, context.DeadlineExceeded)}
}
