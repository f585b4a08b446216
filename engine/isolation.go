package engine

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/soracron/soracron/bindings/plan"
	luasora "github.com/soracron/soracron/bindings/sora"
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

// killGrace is how long past its timeout (or the cancellation of its
// context) an isolated run's child has to report before it is killed.
const killGrace = 200 * time.Millisecond

// maxChildLine caps a line of the child's output (a result is at most
// 32 MiB as JSON, and so is the plan).
const maxChildLine = 80 << 20

// maxChildStderr is how much of the child's stderr is kept for the error
// of a child that ended without a result.
const maxChildStderr = 16 << 10

// childExitMemory is the exit code of a child stopped by its memory
// watchdog.
const childExitMemory = 3

// childRequest is what the parent sends the child on its stdin.
type childRequest struct {
	Script string `json:"script"`
	// Source, when set, is the pinned source of Script (Request.Compiled):
	// the child compiles it and does not read the file.
	Source  []byte         `json:"source,omitempty"`
	Args    map[string]any `json:"args,omitempty"`
	Event   map[string]any `json:"event,omitempty"`
	DryRun  bool           `json:"dry_run,omitempty"`
	Timeout time.Duration  `json:"timeout,omitempty"`
	// Deadline is when the run ends, fixed by the parent before it starts
	// the child: the child's start-up time counts against the timeout, so
	// the child reports its own timeout before the parent kills it.
	Deadline       time.Time  `json:"deadline,omitzero"`
	Concurrency    int        `json:"concurrency,omitempty"`
	HTTPAllow      []string   `json:"http_allow,omitempty"`
	HTTPSetting    string     `json:"http_setting,omitempty"`
	MemoryLimit    int64      `json:"memory_limit"`
	MaxStringBytes int        `json:"max_string_bytes"`
	Sora           *childSora `json:"sora,omitempty"`
}

// childMessage is one line of the child's stdout: a log record, the start
// of the script, the memory watchdog's stop, or the result.
type childMessage struct {
	Log     *childLog    `json:"log,omitempty"`
	Started bool         `json:"started,omitempty"`
	Memory  *childMemory `json:"memory_limit,omitempty"`
	Result  *childResult `json:"result,omitempty"`
}

// childLog is a log record of the child.
type childLog struct {
	Time  time.Time      `json:"time"`
	Level slog.Level     `json:"level"`
	Msg   string         `json:"msg"`
	Attrs map[string]any `json:"attrs,omitempty"`
}

// childMemory is the memory watchdog's report.
type childMemory struct {
	Heap  uint64 `json:"heap"`
	Limit int64  `json:"limit"`
}

// childResult is a run's Result and error.
type childResult struct {
	Value    any           `json:"value,omitempty"`
	HasValue bool          `json:"has_value,omitempty"`
	Stats    luasora.Stats `json:"stats"`
	Plan     *plan.Plan    `json:"plan,omitempty"`
	Error    *childError   `json:"error,omitempty"`
}

// childError is a run's error: a ScriptError, or a plain error (Kind 0).
type childError struct {
	Kind      ErrorKind `json:"kind,omitempty"`
	Script    string    `json:"script,omitempty"`
	Line      int       `json:"line,omitempty"`
	Message   string    `json:"message"`
	Traceback string    `json:"traceback,omitempty"`
	Deadline  bool      `json:"deadline,omitempty"` // the error was the context's deadline
}

// pinnedSource is the source the child of req compiles: req.Compiled's,
// nil to read the file.
func pinnedSource(req Request) []byte {
	if req.Compiled == nil || req.Compiled.path != req.Script {
		return nil
	}
	return req.Compiled.src
}

// runIsolated runs req in a child process (see Isolation).
func (e *Engine) runIsolated(ctx context.Context, req Request) (res *Result, err error) {
	start := time.Now()
	res = &Result{Stats: luasora.Stats{Calls: map[string]int{}, DryRun: req.DryRun}}
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
	in, err := json.Marshal(childRequest{
		Script: req.Script, Source: pinnedSource(req), Args: req.Args, Event: req.Event, DryRun: req.DryRun, Timeout: req.Timeout, Deadline: runDeadline,
		Concurrency: req.Concurrency, HTTPAllow: req.HTTPAllow, HTTPSetting: e.opts.HTTPSetting,
		MemoryLimit: limit, MaxStringBytes: e.opts.MaxStringBytes, Sora: newChildSora(c.Sora),
	})
	if err != nil {
		return res, fmt.Errorf("isolation process: args: %w", err)
	}
	logger := req.Logger
	if logger == nil {
		logger = e.opts.Logger
	}
	cmd := exec.Command(c.Command[0], c.Command[1:]...)
	cmd.Env = append(os.Environ(), c.Env...)
	cmd.Stdin = bytes.NewReader(in)
	stderr := &tailBuffer{max: maxChildStderr}
	cmd.Stderr = stderr
	setChildAttrs(cmd)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return res, fmt.Errorf("isolation process: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return res, fmt.Errorf("isolation process: start the child: %w", err)
	}
	stop := make(chan struct{})
	var killed struct {
		sync.Mutex
		why error // context.DeadlineExceeded or the context's error
	}
	go func() { // kill the child at the timeout or the end of ctx, whatever it is doing
		var deadline <-chan time.Time
		if req.Timeout > 0 {
			t := time.NewTimer(time.Until(runDeadline) + killGrace)
			defer t.Stop()
			deadline = t.C
		}
		why := error(context.DeadlineExceeded)
		select {
		case <-stop:
			return
		case <-deadline:
		case <-ctx.Done():
			why = ctx.Err()
			_ = cmd.Process.Signal(os.Interrupt) // the child reports its cancelled run
			select {
			case <-stop:
				return
			case <-time.After(killGrace):
			}
		}
		killed.Lock()
		killed.why = why
		killed.Unlock()
		_ = cmd.Process.Kill()
	}()
	msgs := readChild(out, req, logger)
	waitErr := cmd.Wait()
	close(stop)
	killed.Lock()
	why := killed.why
	killed.Unlock()
	return res, childOutcome(res, req, msgs, why, waitErr, stderr.String())
}

// childEnd is what the child reported before it ended.
type childEnd struct {
	result  *childResult
	memory  *childMemory
	readErr error
}

// readChild reads the child's messages until its stdout closes: logs go
// to logger, the start calls req.OnStart.
func readChild(out io.Reader, req Request, logger *slog.Logger) childEnd {
	var end childEnd
	br := bufio.NewReaderSize(out, 64<<10)
	for {
		line, err := readLine(br, maxChildLine)
		if len(line) > 0 {
			var m childMessage
			d := json.NewDecoder(bytes.NewReader(line))
			d.UseNumber()
			if derr := d.Decode(&m); derr != nil {
				end.readErr = fmt.Errorf("bad message from the child: %w", derr)
			}
			switch {
			case m.Log != nil:
				relog(logger, m.Log)
			case m.Started:
				if req.OnStart != nil {
					req.OnStart()
				}
			case m.Memory != nil:
				end.memory = m.Memory
			case m.Result != nil:
				end.result = m.Result
			}
		}
		if err != nil {
			if !errors.Is(err, io.EOF) {
				end.readErr = err
			}
			_, _ = io.Copy(io.Discard, out)
			return end
		}
	}
}

// readLine reads one line of at most max bytes (longer lines are an
// error).
func readLine(br *bufio.Reader, max int) ([]byte, error) {
	var line []byte
	for {
		chunk, err := br.ReadSlice('\n')
		line = append(line, chunk...)
		if len(line) > max {
			return nil, fmt.Errorf("a line of the child's output is over %d bytes", max)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		return line, err
	}
}

// relog logs a record of the child with logger.
func relog(logger *slog.Logger, l *childLog) {
	ctx := context.Background()
	if !logger.Enabled(ctx, l.Level) {
		return
	}
	r := slog.NewRecord(l.Time, l.Level, l.Msg, 0)
	for k, v := range l.Attrs {
		r.AddAttrs(slog.Any(k, v))
	}
	_ = logger.Handler().Handle(ctx, r)
}

// childOutcome fills res from what the child reported and returns the
// run's error.
func childOutcome(res *Result, req Request, end childEnd, killedBy error, waitErr error, stderr string) error {
	if r := end.result; r != nil {
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
		return r.Error.err(req)
	}
	if m := end.memory; m != nil || strings.Contains(stderr, "out of memory") || exitCode(waitErr) == childExitMemory {
		msg := fmt.Sprintf("memory limit of %s exceeded", formatBytes(req.memoryLimit()))
		if m != nil {
			msg = fmt.Sprintf("memory limit of %s exceeded (heap %s)", formatBytes(m.Limit), formatBytes(int64(m.Heap)))
		}
		return &ScriptError{Kind: MemoryLimit, Script: req.Script, Message: msg}
	}
	switch {
	case errors.Is(killedBy, context.DeadlineExceeded):
		return &ScriptError{Kind: Timeout, Script: req.Script, Err: context.DeadlineExceeded,
			Message: fmt.Sprintf("timed out after %s (the child process was killed)", req.Timeout)}
	case killedBy != nil:
		return &ScriptError{Kind: Cancelled, Script: req.Script, Err: killedBy, Message: "cancelled (the child process was killed)"}
	}
	detail := strings.TrimSpace(stderr)
	if i := strings.LastIndexByte(detail, '\n'); len(detail) > 2000 && i >= 0 {
		detail = "..." + detail[len(detail)-2000:]
	}
	if end.readErr != nil {
		return fmt.Errorf("isolation process: %w (child: %v; %s)", end.readErr, waitErr, detail)
	}
	return fmt.Errorf("isolation process: the child ended without a result (%v): %s", waitErr, detail)
}

// err rebuilds the error the child's run returned.
func (ce *childError) err(req Request) error {
	if ce.Kind == 0 {
		return errors.New(ce.Message)
	}
	se := &ScriptError{Kind: ce.Kind, Script: ce.Script, Line: ce.Line, Message: ce.Message, Traceback: ce.Traceback}
	switch {
	case ce.Kind == Timeout || ce.Deadline:
		se.Err = context.DeadlineExceeded
	case ce.Kind == Cancelled:
		se.Err = context.Canceled
	}
	return se
}

// newChildError is the childError of err.
func newChildError(err error) *childError {
	var se *ScriptError
	if !errors.As(err, &se) {
		return &childError{Message: err.Error()}
	}
	return &childError{Kind: se.Kind, Script: se.Script, Line: se.Line, Message: se.Message, Traceback: se.Traceback,
		Deadline: errors.Is(se.Err, context.DeadlineExceeded)}
}

// memoryLimit is the request's memory limit, or the default.
func (req Request) memoryLimit() int64 {
	if req.MemoryLimit == 0 {
		return DefaultMemoryLimit
	}
	return req.MemoryLimit
}

// exitCode returns the exit code of a child's Wait error, or -1.
func exitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	return -1
}

// formatBytes renders n as MiB (or bytes below 1 MiB).
func formatBytes(n int64) string {
	if n < 1<<20 {
		return fmt.Sprintf("%d bytes", n)
	}
	return fmt.Sprintf("%.0f MiB", float64(n)/(1<<20))
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > t.max {
		t.b = append(t.b[:0], t.b[len(t.b)-t.max:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b)
}
