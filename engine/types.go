package engine

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/soracron/soracron/bindings/plan"
	luarun "github.com/soracron/soracron/bindings/run"
	sorastats "github.com/soracron/soracron/bindings/sora/stats"
	"github.com/soracron/soracron/sora"
)

// Options configure an Engine.
type Options struct {
	// Client is the Sora API client the sora module uses.
	Client *sora.Client
	// Logger receives script logs when a Request has no logger of its own.
	Logger *slog.Logger
	// Now is the clock of time.now() and os.time(); time.Now when nil.
	Now func() time.Time
	// Progress receives progress bars of long batches; nil disables them.
	Progress io.Writer
	// MaxStringBytes bounds the strings a script can make the host build
	// in one call: string.rep, table.concat and string.gsub results, and
	// json.encode output and json.decode input (string.format widths are
	// limited to 2 digits). DefaultMaxStringBytes (32 MiB) when zero; a
	// negative value removes the limit. It is not a memory limit: see
	// DefaultMaxStringBytes for what it does not cover.
	MaxStringBytes int
	// HTTPSetting names where a user allows hosts for the http module, in
	// the error of a request to a host not allowed; the http module's
	// default (jobs.yaml and --allow-http) when empty.
	HTTPSetting string
	// Child lets the engine run requests in a child process (Request
	// Isolation "process"); such requests fail when Child.Command is empty.
	Child ChildOptions
}

// ChildOptions configure the child processes of isolated runs.
type ChildOptions struct {
	// Command starts a child process that serves one run with ServeChild
	// on its standard input and output: the soracron binary and its hidden
	// subcommand.
	Command []string
	// Env is added to the child's environment.
	Env []string
	// Sora is the configuration of the child's Sora client (that of
	// Options.Client); the child has no sora module when nil.
	Sora *sora.Config
}

// Request is one run of one script.
type Request struct {
	// Script is the path of the .lua file; its directory is the require root.
	Script string
	// Compiled, when set, is the chunk the run executes (from Load of
	// Script): the file is not read again. nil reads and compiles the
	// file as it is when the run starts.
	Compiled *Script
	// Args becomes the global table `args`.
	Args map[string]any
	// Event, when set, becomes the read-only global table `event` (the
	// event of Sora's event webhook that started the run).
	Event map[string]any
	// DryRun sends no write to Sora and records a plan instead.
	DryRun bool
	// Timeout bounds the run; zero means no limit beyond the context.
	Timeout time.Duration
	// Concurrency is the default concurrency of sora.batch and sora.update_all.
	Concurrency int
	// HTTPAllow lists the hosts the http module may send requests to
	// (none when empty: the module is off).
	HTTPAllow []string
	// Run is the run's context, the module run (require("run")): its job,
	// trigger, scheduled tick, history id and node. The zero value is a
	// script run by path: every field nil.
	Run RunInfo
	// Logger is the per-run logger (job and run ids attached); Options.Logger when nil.
	Logger *slog.Logger
	// Isolation is where the run executes: IsolationNone (or "") in this
	// process, IsolationProcess in a child process whose memory is capped
	// at MemoryLimit and which is killed at the timeout whatever it does.
	Isolation Isolation
	// MemoryLimit caps the memory of an isolated run, in bytes;
	// DefaultMemoryLimit when zero.
	MemoryLimit int64
	// OnStart, when set, is called when the script starts: in the run's
	// goroutine, once its sandbox is complete (fresh LState, libraries,
	// modules, args, context), just before the script's main chunk is
	// called. It is not called for a run that fails before (a script that
	// cannot be read or does not compile, args that do not convert). The
	// daemon measures the start delay of scheduled runs with it.
	OnStart func()
}

// RunInfo is the context of a run that the module run gives the script
// (Request.Run): its job, trigger, scheduled tick, history id and node.
type RunInfo = luarun.Info

// ErrReturnedError is wrapped by the ScriptError of a script whose main
// chunk returned nil and an error (return nil, err): the run failed.
var ErrReturnedError = errors.New("script returned nil, err")

// Result is what a run produced. Run returns a non-nil Result even on error.
type Result struct {
	// Value is the script's return value as a JSON-able Go value.
	Value any
	// HasValue is false when the script returned nothing.
	HasValue bool
	// Stats counts the API calls of the run.
	Stats sorastats.Stats
	// Plan is the dry-run plan, nil unless the run was a dry run.
	Plan *plan.Plan
	// Duration is the wall time of the run.
	Duration time.Duration
}

// Partial reports whether the run, had it finished without error, is
// partial: some Sora writes failed after the client's retries and the
// script did not mark them handled (sora.handled).
func (r *Result) Partial() bool { return r != nil && r.Stats.Unhandled() > 0 }

// ErrorKind classifies a ScriptError.
type ErrorKind int

// Kinds of script errors.
const (
	// Syntax: the script (or a required module) does not compile.
	Syntax ErrorKind = iota + 1
	// Runtime: the script raised an error.
	Runtime
	// Timeout: the run exceeded its timeout.
	Timeout
	// Cancelled: the run's context was cancelled.
	Cancelled
	// MemoryLimit: an isolated run went over its memory limit.
	MemoryLimit
)

func (k ErrorKind) String() string {
	switch k {
	case Syntax:
		return "syntax error"
	case Runtime:
		return "runtime error"
	case Timeout:
		return "timeout"
	case Cancelled:
		return "cancelled"
	case MemoryLimit:
		return "memory limit"
	}
	return "error"
}

// ScriptError is a failed run: where and why.
type ScriptError struct {
	Kind ErrorKind
	// Script is the path of the script as given (or of the required module).
	Script string
	// Line is the line of the error, 0 when unknown.
	Line int
	// Message is the error message without position.
	Message string
	// Traceback is the Lua stack traceback, if any.
	Traceback string
	// Err is the underlying error (context error for Timeout and Cancelled).
	Err error
}

func (e *ScriptError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.Script, e.Line, e.Message)
	}
	if e.Script != "" {
		return fmt.Sprintf("%s: %s", e.Script, e.Message)
	}
	return e.Message
}

// Unwrap returns the underlying error.
func (e *ScriptError) Unwrap() error { return e.Err }
