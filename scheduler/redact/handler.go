package redact

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/soracron/soracron/scheduler/history"
)

// maxLogValue caps the message and each string value of a line of the
// daemon's log (stderr): a script's 30 MB error is not written whole.
const maxLogValue = history.MaxLogValueBytes

// Handler returns a handler that passes h the records it gets with the
// secrets of r redacted from their messages and string attributes (error
// texts included), each cut to history.MaxLogValueBytes, saying so.
func (r *Redactor) Handler(h slog.Handler) slog.Handler {
	return &handler{h: h, r: r}
}

// tooLong reports whether a record's message or a top-level string, error
// or byte attribute is over maxLogValue (groups and other values are
// checked by attr when the record is rebuilt).
func tooLong(rec slog.Record) bool {
	long := len(rec.Message) > maxLogValue
	rec.Attrs(func(a slog.Attr) bool {
		switch v := a.Value.Resolve(); v.Kind() {
		case slog.KindString:
			long = len(v.String()) > maxLogValue
		case slog.KindGroup:
			long = true
		case slog.KindAny:
			switch x := v.Any().(type) {
			case error:
				long = len(x.Error()) > maxLogValue
			case []byte:
				long = len(x) > maxLogValue
			}
		}
		return !long
	})
	return long
}

// handler redacts secrets from the messages and string attributes (error
// texts included) of the records it passes on, and cuts each to
// maxLogValue bytes, saying so.
type handler struct {
	h slog.Handler
	r *Redactor
}

func (h *handler) Enabled(ctx context.Context, l slog.Level) bool { return h.h.Enabled(ctx, l) }

func (h *handler) Handle(ctx context.Context, rec slog.Record) error {
	if h.r.none() && !tooLong(rec) {
		return h.h.Handle(ctx, rec)
	}
	out := slog.NewRecord(rec.Time, rec.Level, h.cut(h.r.String(rec.Message)), rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.attr(a))
		return true
	})
	return h.h.Handle(ctx, out)
}

func (h *handler) cut(s string) string { return history.CutText(s, maxLogValue) }

func (h *handler) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, h.cut(h.r.String(v.String())))
	case slog.KindGroup:
		g := v.Group()
		out := make([]slog.Attr, len(g))
		for i, ga := range g {
			out[i] = h.attr(ga)
		}
		return slog.Attr{Key: a.Key, Value: slog.GroupValue(out...)}
	case slog.KindAny:
		switch x := v.Any().(type) {
		case error:
			return slog.String(a.Key, h.cut(h.r.String(x.Error())))
		case []byte:
			return slog.String(a.Key, h.cut(h.r.String(string(x))))
		case nil:
		default:
			// Only rewrite values whose text holds a secret.
			if s := fmt.Sprintf("%+v", x); h.r.String(s) != s || len(s) > maxLogValue {
				return slog.String(a.Key, h.cut(h.r.String(s)))
			}
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}

func (h *handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	out := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		out[i] = h.attr(a)
	}
	return &handler{h: h.h.WithAttrs(out), r: h.r}
}

func (h *handler) WithGroup(name string) slog.Handler {
	return &handler{h: h.h.WithGroup(name), r: h.r}
}
