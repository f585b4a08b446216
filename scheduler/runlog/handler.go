package runlog

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/soracron/soracron/scheduler/history"
)

// idHandler is the handler of a run's logger: base with the attributes
// attrs and run_id. The script starts before its history row exists, so
// the attributes are added on the first record, which waits for the id if
// need be; runs that log nothing cost no handler derivation.
type idHandler struct {
	p     *ID
	base  slog.Handler
	attrs []slog.Attr                       // before run_id
	ops   []func(slog.Handler) slog.Handler // WithAttrs/WithGroup after run_id

	once sync.Once
	h    slog.Handler
}

func (l *idHandler) resolve() slog.Handler {
	l.once.Do(func() {
		attrs := l.attrs
		if id, err := l.p.Wait(); err == nil {
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

func (l *idHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return l.base.Enabled(ctx, level)
}

func (l *idHandler) Handle(ctx context.Context, r slog.Record) error {
	return l.resolve().Handle(ctx, r)
}

func (l *idHandler) with(op func(slog.Handler) slog.Handler) slog.Handler {
	return &idHandler{p: l.p, base: l.base, attrs: l.attrs, ops: append(l.ops[:len(l.ops):len(l.ops)], op)}
}

func (l *idHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return l
	}
	return l.with(func(h slog.Handler) slog.Handler { return h.WithAttrs(attrs) })
}

func (l *idHandler) WithGroup(name string) slog.Handler {
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
