package scheduler

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/soracron/soracron/scheduler/history"
)

// Attribute keys of the daemon's log lines.
const (
	keyJob          = "job"
	keyEventType    = "event_type"
	keyConnectionID = "connection_id"
	keyEventID      = "event_id"
	keyRunID        = "run_id"
	keyRunningID    = "running_run_id"
	keyReplacedID   = "replaced_run_id"
	keyAttempt      = "attempt"
	keyMaxAttempts  = "max_attempts"
	keyTrigger      = "trigger"
	keyScheduled    = "scheduled"
	keyScript       = "script"
	keyOutcome      = "outcome"
	keyDuration     = "duration"
	keyCalls        = "calls"
	keyWrites       = "writes"
	keyError        = "error"
	keyTraceback    = "traceback"
	keyPanic        = "panic"
	keyStack        = "stack"
	keyBackoff      = "backoff"
	keyReason       = "reason"
	keyNode         = "node"
	keyMissed       = "missed"
	keyLate         = "late"
	keyRunning      = "running"
	keyTimeout      = "timeout"
	keyJobs         = "jobs"
	keyFile         = "file"
	keyAdded        = "added"
	keyRemoved      = "removed"
	keyChanged      = "changed"
	keyMethod       = "method"
	keyPath         = "path"
)

// PlanMessage is the message of the log line that records a dry run's
// plan: its attribute "changes" is the list of bindings/plan.Change.
const PlanMessage = "dry-run plan"

// keyChanges is the attribute of the plan's log line.
const keyChanges = "changes"

// idPromise is the history id of a run, known once Begin returns.
type idPromise struct {
	buf  *history.LogBuffer // the run's log lines, for LiveLogs
	done chan struct{}
	id   int64
	err  error
}

func newIDPromise() *idPromise { return &idPromise{done: make(chan struct{})} }

func (p *idPromise) resolve(id int64, err error) {
	p.id, p.err = id, err
	close(p.done)
}

// peek returns the id if known yet, else 0.
func (p *idPromise) peek() int64 {
	select {
	case <-p.done:
		return p.id
	default:
		return 0
	}
}

// wait returns the id (0 with an error if Begin failed).
func (p *idPromise) wait() (int64, error) {
	<-p.done
	return p.id, p.err
}

// runIDHandler is the handler of a run's logger: base with the attributes
// attrs and run_id. The script starts before its history row exists (Begin
// runs concurrently), so the attributes are added on the first record,
// which waits for the id if need be; runs that log nothing cost no handler
// derivation.
type runIDHandler struct {
	p     *idPromise
	base  slog.Handler
	attrs []slog.Attr                       // before run_id
	ops   []func(slog.Handler) slog.Handler // WithAttrs/WithGroup after run_id

	once sync.Once
	h    slog.Handler
}

func (l *runIDHandler) resolve() slog.Handler {
	l.once.Do(func() {
		attrs := l.attrs
		if id, err := l.p.wait(); err == nil {
			attrs = append(attrs[:len(attrs):len(attrs)], slog.Int64(keyRunID, id))
		}
		h := l.base.WithAttrs(attrs)
		for _, op := range l.ops {
			h = op(h)
		}
		l.h = h
	})
	return l.h
}

func (l *runIDHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return l.base.Enabled(ctx, level)
}

func (l *runIDHandler) Handle(ctx context.Context, r slog.Record) error {
	return l.resolve().Handle(ctx, r)
}

func (l *runIDHandler) with(op func(slog.Handler) slog.Handler) slog.Handler {
	return &runIDHandler{p: l.p, base: l.base, attrs: l.attrs, ops: append(l.ops[:len(l.ops):len(l.ops)], op)}
}

func (l *runIDHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return l
	}
	return l.with(func(h slog.Handler) slog.Handler { return h.WithAttrs(attrs) })
}

func (l *runIDHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return l
	}
	return l.with(func(h slog.Handler) slog.Handler { return h.WithGroup(name) })
}

// cappedHandler passes a run's records to the daemon's log (h) until the
// run's LogBuffer starts dropping lines (its per-run cap of lines and
// bytes): then one warning says so and later records are not written,
// so a script logging in a loop does not fill the daemon's stderr either.
type cappedHandler struct {
	h      slog.Handler
	buf    *history.LogBuffer
	warned *atomic.Bool // shared by the handlers derived with WithAttrs/WithGroup
}

func newCappedHandler(h slog.Handler, buf *history.LogBuffer) *cappedHandler {
	return &cappedHandler{h: h, buf: buf, warned: &atomic.Bool{}}
}

func (c *cappedHandler) Enabled(ctx context.Context, l slog.Level) bool { return c.h.Enabled(ctx, l) }

func (c *cappedHandler) Handle(ctx context.Context, r slog.Record) error {
	if c.buf.Dropped() == 0 {
		return c.h.Handle(ctx, r)
	}
	if !c.warned.CompareAndSwap(false, true) {
		return nil
	}
	w := slog.NewRecord(r.Time, slog.LevelWarn, "the run's log reached its cap: its further lines are counted in its history, not written here", 0)
	return c.h.Handle(ctx, w)
}

func (c *cappedHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &cappedHandler{h: c.h.WithAttrs(attrs), buf: c.buf, warned: c.warned}
}

func (c *cappedHandler) WithGroup(name string) slog.Handler {
	return &cappedHandler{h: c.h.WithGroup(name), buf: c.buf, warned: c.warned}
}
