package history

import (
	"context"
	"errors"
	"log/slog"
)

// Tee returns a slog.Handler that sends every record to each of handlers
// (nil ones are ignored) that is enabled for its level, e.g. the daemon's main
// handler and a run's LogBuffer. It is enabled for a level if any handler is;
// WithAttrs and WithGroup apply to every handler. Handle errors are joined.
func Tee(handlers ...slog.Handler) slog.Handler {
	hs := make([]slog.Handler, 0, len(handlers))
	for _, h := range handlers {
		if h != nil {
			hs = append(hs, h)
		}
	}
	return &teeHandler{hs: hs}
}

type teeHandler struct{ hs []slog.Handler }

func (t *teeHandler) Enabled(ctx context.Context, level slog.Level) bool {
	for _, h := range t.hs {
		if h.Enabled(ctx, level) {
			return true
		}
	}
	return false
}

func (t *teeHandler) Handle(ctx context.Context, r slog.Record) error {
	var errs []error
	for _, h := range t.hs {
		if !h.Enabled(ctx, r.Level) {
			continue
		}
		// Each handler gets its own copy: a handler may keep or modify
		// the record's attrs.
		if err := h.Handle(ctx, r.Clone()); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (t *teeHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return t
	}
	hs := make([]slog.Handler, len(t.hs))
	for i, h := range t.hs {
		hs[i] = h.WithAttrs(attrs)
	}
	return &teeHandler{hs: hs}
}

func (t *teeHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return t
	}
	hs := make([]slog.Handler, len(t.hs))
	for i, h := range t.hs {
		hs[i] = h.WithGroup(name)
	}
	return &teeHandler{hs: hs}
}
