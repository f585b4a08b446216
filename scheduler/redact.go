package scheduler

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/soracron/soracron/scheduler/history"
)

// Redacted replaces secret values in logs, errors and history.
const Redacted = "[REDACTED]"

// redactor replaces the secret values of the configuration in use.
type redactor struct {
	mu      sync.Mutex
	secrets []string
	r       atomic.Pointer[strings.Replacer]
}

func newRedactor(secrets []string) *redactor {
	r := &redactor{}
	r.add(secrets)
	return r
}

// add adds secrets; secrets are never removed (a reload does not change the
// Sora client, which keeps sending the old ones). Longer secrets are
// matched first.
func (r *redactor) add(secrets []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range secrets {
		if s != "" && !slices.Contains(r.secrets, s) {
			r.secrets = append(r.secrets, s)
		}
	}
	list := slices.Clone(r.secrets)
	if len(list) == 0 {
		r.r.Store(nil)
		return
	}
	sort.Slice(list, func(i, j int) bool { return len(list[i]) > len(list[j]) })
	pairs := make([]string, 0, 2*len(list))
	for _, s := range list {
		pairs = append(pairs, s, Redacted)
	}
	r.r.Store(strings.NewReplacer(pairs...))
}

// replace returns s with every secret replaced by Redacted.
func (r *redactor) replace(s string) string {
	if rep := r.r.Load(); rep != nil {
		return rep.Replace(s)
	}
	return s
}

// maxLogValue caps the message and each string value of a line of the
// daemon's log (stderr): a script's 30 MB error is not written whole.
const maxLogValue = history.MaxLogValueBytes

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

// redactHandler redacts secrets from the messages and string attributes
// (error texts included) of the records it passes on, and cuts each to
// maxLogValue bytes, saying so.
type redactHandler struct {
	h slog.Handler
	r *redactor
}

func (h *redactHandler) Enabled(ctx context.Context, l slog.Level) bool { return h.h.Enabled(ctx, l) }

func (h *redactHandler) Handle(ctx context.Context, rec slog.Record) error {
	if h.r.r.Load() == nil && !tooLong(rec) {
		return h.h.Handle(ctx, rec)
	}
	out := slog.NewRecord(rec.Time, rec.Level, h.cut(h.r.replace(rec.Message)), rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.attr(a))
		return true
	})
	return h.h.Handle(ctx, out)
}

func (h *redactHandler) cut(s string) string { return history.CutText(s, maxLogValue) }

func (h *redactHandler) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, h.cut(h.r.replace(v.String())))
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
			return slog.String(a.Key, h.cut(h.r.replace(x.Error())))
		case []byte:
			return slog.String(a.Key, h.cut(h.r.replace(string(x))))
		case nil:
		default:
			// Only rewrite values whose text holds a secret.
			if s := fmt.Sprintf("%+v", x); h.r.replace(s) != s || len(s) > maxLogValue {
				return slog.String(a.Key, h.cut(h.r.replace(s)))
			}
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}

func (h *redactHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	out := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		out[i] = h.attr(a)
	}
	return &redactHandler{h: h.h.WithAttrs(out), r: h.r}
}

func (h *redactHandler) WithGroup(name string) slog.Handler {
	return &redactHandler{h: h.h.WithGroup(name), r: h.r}
}

// json returns the JSON data with every secret in its strings (keys too)
// replaced by Redacted; data as is when it holds none.
func (r *redactor) json(data []byte) []byte {
	rep := r.r.Load()
	if rep == nil {
		return data
	}
	// A secret may appear escaped in JSON ("\u003c" for '<'); decoding
	// first finds it in any form.
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return []byte(strconv.Quote(Redacted)) // not JSON: keep nothing of it
	}
	changed := false
	var walk func(any) any
	walk = func(v any) any {
		switch x := v.(type) {
		case string:
			if y := rep.Replace(x); y != x {
				changed = true
				return y
			}
		case []any:
			for i, e := range x {
				x[i] = walk(e)
			}
		case map[string]any:
			for k, e := range x {
				e = walk(e)
				if k2 := rep.Replace(k); k2 != k {
					changed = true
					delete(x, k)
					k = k2
				}
				x[k] = e
			}
		}
		return v
	}
	v = walk(v)
	if !changed {
		return data
	}
	out, err := json.Marshal(v)
	if err != nil {
		return []byte(strconv.Quote(Redacted))
	}
	return out
}
