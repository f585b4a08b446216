package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/soracron/soracron/bindings/plan"
	sorastats "github.com/soracron/soracron/bindings/sora/stats"
	"github.com/soracron/soracron/engine/internal/isolation"
)

// Isolation is where a run executes.
type Isolation string

// Isolations.
const (
	// IsolationNone runs in the calling process (the default).
	IsolationNone Isolation = "none"
	// IsolationProcess runs in a child process with a memory limit.
	IsolationProcess Isolation = "process"
)

// ParseIsolation parses an isolation setting: "none" or "process" ("" is
// none).
func ParseIsolation(s string) (Isolation, error) {
	switch Isolation(s) {
	case "", IsolationNone:
		return IsolationNone, nil
	case IsolationProcess:
		return IsolationProcess, nil
	}
	return "", fmt.Errorf("isolation %q: want none or process", s)
}

// DefaultMemoryLimit is the memory limit of an isolated run when the
// request gives none (256 MiB).
const DefaultMemoryLimit = 256 << 20

// MinMemoryLimit is the smallest memory limit: the child's runtime and
// sandbox need a few MiB of their own.
const MinMemoryLimit = 16 << 20

// pinnedSource is the source the child of req compiles: req.Compiled's,
// nil to read the file.
func pinnedSource(req Request) []byte {
	if req.Compiled == nil || req.Compiled.path != req.Script {
		return nil
	}
	return req.Compiled.src
}

// runIsolated runs req in a child process (see Isolation and
// engine/internal/isolation, which starts, watches and kills it).
func (e *Engine) runIsolated(ctx context.Context, req Request) (res *Result, err error) {
	start := time.Now()
	res = &Result{Stats: sorastats.Stats{Calls: map[string]int{}, DryRun: req.DryRun}}
	if req.DryRun {
		res.Plan = &plan.Plan{}
	}
	defer func() { res.Duration = time.Since(start) }()
	c := e.opts.Child
	if len(c.Command) == 0 {
		return res, errors.New("isolation process: this command cannot start child processes")
	}
	limit := req.MemoryLimit
	if limit == 0 {
		limit = DefaultMemoryLimit
	}
	if limit < MinMemoryLimit {
		return res, fmt.Errorf("memory limit %d bytes: at least %d MiB", limit, MinMemoryLimit>>20)
	}
	var runDeadline time.Time
	if req.Timeout > 0 {
		runDeadline = time.Now().Add(req.Timeout)
	}
	logger := req.Logger
	if logger == nil {
		logger = e.opts.Logger
	}
	end, err := isolation.Run(ctx, isolation.Child{Command: c.Command, Env: c.Env}, &isolation.Request{
		Script: req.Script, Source: pinnedSource(req), Args: req.Args, Event: req.Event, Run: req.Run, DryRun: req.DryRun, Timeout: req.Timeout, Deadline: runDeadline,
		Concurrency: req.Concurrency, HTTPAllow: req.HTTPAllow, HTTPSetting: e.opts.HTTPSetting,
		MemoryLimit: limit, MaxStringBytes: e.opts.MaxStringBytes, Sora: isolation.NewSoraConfig(c.Sora),
	}, logger, req.OnStart)
	if err != nil {
		return res, err
	}
	return res, childOutcome(res, req, end)
}

// childOutcome fills res from what the child reported and returns the
// run's error.
func childOutcome(res *Result, req Request, end *isolation.End) error {
	if r := end.Result; r != nil {
		res.Value, res.HasValue, res.Stats = r.Value, r.HasValue, r.Stats
		if r.Plan != nil {
			res.Plan = r.Plan
		}
		if res.Stats.Calls == nil {
			res.Stats.Calls = map[string]int{}
		}
		if r.Error == nil {
			return nil
		}
		return childErr(r.Error)
	}
	if end.OverMemory() {
		msg := fmt.Sprintf("memory limit of %s exceeded", formatBytes(req.memoryLimit()))
		if m := end.Memory; m != nil {
			msg = fmt.Sprintf("memory limit of %s exceeded (heap %s)", formatBytes(m.Limit), formatBytes(int64(m.Heap)))
		}
		return &ScriptError{Kind: MemoryLimit, Script: req.Script, Message: msg}
	}
	switch {
	case errors.Is(end.KilledBy, context.DeadlineExceeded):
		return &ScriptError{Kind: Timeout, Script: req.Script, Err: context.DeadlineExceeded,
			Message: fmt.Sprintf("timed out after %s (the child process was killed)", req.Timeout)}
	case end.KilledBy != nil:
		return &ScriptError{Kind: Cancelled, Script: req.Script, Err: end.KilledBy, Message: "cancelled (the child process was killed)"}
	}
	detail := strings.TrimSpace(end.Stderr)
	if i := strings.LastIndexByte(detail, '\n'); len(detail) > 2000 && i >= 0 {
		detail = "..." + detail[len(detail)-2000:]
	}
	if end.ReadErr != nil {
		return fmt.Errorf("isolation process: %w (child: %v; %s)", end.ReadErr, end.WaitErr, detail)
	}
	return fmt.Errorf("isolation process: the child ended without a result (%v): %s", end.WaitErr, detail)
}

// childErr rebuilds the error the child's run returned.
func childErr(ce *isolation.Error) error {
	if ce.Kind == 0 {
		return errors.New(ce.Message)
	}
	kind := ErrorKind(ce.Kind)
	se := &ScriptError{Kind: kind, Script: ce.Script, Line: ce.Line, Message: ce.Message, Traceback: ce.Traceback}
	switch {
	case kind == Timeout || ce.Deadline:
		se.Err = context.DeadlineExceeded
	case kind == Cancelled:
		se.Err = context.Canceled
	}
	return se
}

// memoryLimit is the request's memory limit, or the default.
func (req Request) memoryLimit() int64 {
	if req.MemoryLimit == 0 {
		return DefaultMemoryLimit
	}
	return req.MemoryLimit
}

// formatBytes renders n as MiB (or bytes below 1 MiB).
func formatBytes(n int64) string {
	if n < 1<<20 {
		return fmt.Sprintf("%d bytes", n)
	}
	return fmt.Sprintf("%.0f MiB", float64(n)/(1<<20))
}
