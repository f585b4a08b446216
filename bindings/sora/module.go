package sora

import (
	"context"
	"io"
	"log/slog"
	"maps"
	"slices"
	"sync"

	lua "github.com/yuin/gopher-lua"

	"github.com/soracron/soracron/bindings/plan"
	"github.com/soracron/soracron/bindings/sora/soraerr"
	sorastats "github.com/soracron/soracron/bindings/sora/stats"
	"github.com/soracron/soracron/sora"
)

// DefaultConcurrency is the default number of requests sora.batch and
// sora.update_all keep in flight.
const DefaultConcurrency = 16

// Options configure the sora Lua module of one run.
type Options struct {
	// DryRun sends no write to Sora: writes change an overlay that later
	// reads of the run see, and Plan reports them.
	DryRun bool
	// Concurrency is the default number of requests sora.batch and
	// sora.update_all keep in flight; DefaultConcurrency when zero.
	Concurrency int
	// Logger receives the module's logs; slog.Default() when nil.
	Logger *slog.Logger
	// Progress receives a progress bar for batches of more than 200
	// requests; nil disables it.
	Progress io.Writer
	// ReportDir is where update_all writes the file of connection ids
	// when a run ends mid-way with too many to log; os.TempDir() when
	// empty.
	ReportDir string
}

// Module is the sora Lua module of one run: create one per run with New,
// register its Loader, and read Stats and Plan when the run ends.
//
// The Lua API (local sora = require("sora")):
//
//	sora.list(channel_id [, opts])                         -> {{connection_id, client_id, bundle_id, metadata}, ...}
//	sora.get(channel_id, connection_id)                    -> metadata
//	sora.put(channel_id, connection_id, metadata [, opts]) -> metadata after
//	sora.delete(channel_id, connection_id [, opts])        -> metadata before
//	sora.put_item(channel_id, connection_id, key, value [, opts]) -> metadata after
//	sora.delete_item(channel_id, connection_id, key [, opts])     -> metadata after
//	sora.update(channel_id, connection_id, fn [, opts])    -> metadata after, writes
//	sora.update_all(channel_id, fn [, opts])               -> summary
//	sora.batch(requests [, opts])                          -> results, summary (requests: a table, or a function giving the next)
//	sora.call(target [, params])                           -> decoded reply
//	sora.dry_run                                           -- true in a dry run
//
// opts of the writes and of update is {push = bool}; update_all takes
// {push = bool, concurrency = n} and batch {concurrency = n} (default
// Options.Concurrency); list takes {fields = {name, ...}} (only those
// fields of each connection); an unknown option is an error, to catch typos.
//
// Operational failures return nil, err where err is a table {op, status,
// type, message, target} (plus key for a failed write of update and
// update_all) whose tostring reads "sora.get: <target>: status 400
// connection_not_found: ..."; type is Sora's error_type, or "transport",
// "timeout", "cancelled", "http_error" (an error reply without JSON),
// "decode" (a reply Lua cannot hold: nesting deeper than 1000) or "dry_run". Misuse (wrong
// argument types, a bad request table, fn returning something else than a
// table, nil or false) raises a Lua error. The error table's __tostring makes
// it readable wherever it ends up (an assert that raises non-string messages
// as they are, error(err), a log line).
//
// Lua work (calling fn, converting values) happens on the goroutine that
// runs the script; batch and update_all send their requests (encoded on
// it, batch's as each is dispatched) from a pool of goroutines and stop dispatching when the LState's
// context ends. In a dry run (Options.DryRun) no write is sent: writes
// change an overlay that later reads of the run see (reads still go to the
// server), return what Sora would have, and make up the Plan.
type Module struct {
	client *sora.Client
	opts   Options
	log    *slog.Logger

	mu            sync.Mutex
	calls         map[string]int
	failures      int
	writes        int
	writeFailures int
	gone          int
	failed        []sorastats.Failure // the first sorastats.MaxFailed failures
	conns         sorastats.ConnCounts

	// Failed writes, for sora.handled (handled.go).
	nextFailure int
	carriers    map[*lua.LTable][]int
	summaries   map[*lua.LTable]bool
	handled     map[int]bool

	overlay *plan.Overlay // nil unless DryRun
}

// New returns the sora module of one run talking to c.
func New(c *sora.Client, opts Options) *Module {
	if opts.Concurrency <= 0 {
		opts.Concurrency = DefaultConcurrency
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	s := &Module{client: c, opts: opts, log: opts.Logger, calls: map[string]int{}}
	if opts.DryRun {
		s.overlay = plan.NewOverlay()
	}
	return s
}

// functions is the module's function table: Lua names to methods.
func (s *Module) functions() map[string]lua.LGFunction {
	return map[string]lua.LGFunction{
		"list":        s.luaList,
		"get":         s.luaGet,
		"put":         s.luaPut,
		"delete":      s.luaDelete,
		"put_item":    s.luaPutItem,
		"delete_item": s.luaDeleteItem,
		"update":      s.luaUpdate,
		"update_all":  s.luaUpdateAll,
		"batch":       s.luaBatch,
		"call":        s.luaCall,
		"handled":     s.luaHandled,
	}
}

// Loader is the lua.LGFunction of require("sora").
func (s *Module) Loader(L *lua.LState) int {
	api := s.functions()
	mod := L.SetFuncs(L.CreateTable(0, len(api)+1), api)
	mod.RawSetString("dry_run", lua.LBool(s.opts.DryRun))
	errorMetatable(L)
	L.Push(mod)
	return 1
}

// Stats returns the calls made so far. It is safe to call at any time.
func (s *Module) Stats() sorastats.Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return sorastats.Stats{Calls: maps.Clone(s.calls), Failures: s.failures, Writes: s.writes, DryRun: s.opts.DryRun,
		WriteFailures: s.writeFailures, Gone: s.gone, Handled: len(s.handled), Connections: s.conns,
		Failed: slices.Clone(s.failed)}
}

// countReq records one call of r that ended with err (nil on success) and
// describes it when it failed (a write to a connection gone is not a
// failure).
func (s *Module) countReq(r *plan.Request, err error) {
	s.count(r.Action, r.Write, err)
	if err != nil && !(r.Write && soraerr.IsGone(err)) {
		s.recordFailure(r.Action, r, err)
	}
}

// recordFailure describes a failed call of action (r, when not nil, is its
// request), up to MaxFailed.
func (s *Module) recordFailure(action string, r *plan.Request, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.failed) >= sorastats.MaxFailed {
		return
	}
	f := sorastats.Failure{Action: action}
	target := ""
	if r != nil {
		f.ChannelID, f.ConnectionID, f.Key, target = r.ChannelID, r.ConnectionID, r.Key, r.Target
	}
	ef := soraerr.Classify(err, target)
	f.Type, f.Status, f.Error = ef.Type, ef.Status, ef.Format("", "")
	s.failed = append(s.failed, f)
}

// count records one call of action that ended with err (nil on success);
// write is true for a write (made, or planned in a dry run). A failed
// write is a write failure, except one to a connection that has left the
// channel, which is gone (and not a failed call).
func (s *Module) count(action string, write bool, err error) {
	s.mu.Lock()
	s.calls[action]++
	switch {
	case err == nil:
		if write {
			s.writes++
		}
	case write && soraerr.IsGone(err):
		s.gone++
	case write:
		s.failures++
		s.writeFailures++
	default:
		s.failures++
	}
	s.mu.Unlock()
}

// Plan returns the dry-run plan so far, nil when the run is not a dry run.
func (s *Module) Plan() *plan.Plan {
	if s.overlay == nil {
		return nil
	}
	return s.overlay.Plan()
}

// ctxOf returns the context of L, context.Background() when it has none.
func ctxOf(L *lua.LState) context.Context {
	if ctx := L.Context(); ctx != nil {
		return ctx
	}
	return context.Background()
}
