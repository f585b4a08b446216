package scheduler

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
)

// Attribute keys of the daemon's log lines.
const (
	keyJob         = "job"
	keyRunID       = "run_id"
	keyRunningID   = "running_run_id"
	keyReplacedID  = "replaced_run_id"
	keyAttempt     = "attempt"
	keyMaxAttempts = "max_attempts"
	keyTrigger     = "trigger"
	keyScheduled   = "scheduled"
	keyScript      = "script"
	keyOutcome     = "outcome"
	keyDuration    = "duration"
	keyCalls       = "calls"
	keyWrites      = "writes"
	keyError       = "error"
	keyTraceback   = "traceback"
	keyPanic       = "panic"
	keyStack       = "stack"
	keyBackoff     = "backoff"
	keyReason      = "reason"
	keyMissed      = "missed"
	keyLate        = "late"
	keyRunning     = "running"
	keyTimeout     = "timeout"
	keyJobs        = "jobs"
	keyFile        = "file"
	keyAdded       = "added"
	keyRemoved     = "removed"
	keyChanged     = "changed"
	keyMethod      = "method"
	keyPath        = "path"
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

// redactHandler redacts secrets from the messages and string attributes
// (error texts included) of the records it passes on.
type redactHandler struct {
	h slog.Handler
	r *redactor
}

func (h *redactHandler) Enabled(ctx context.Context, l slog.Level) bool { return h.h.Enabled(ctx, l) }

func (h *redactHandler) Handle(ctx context.Context, rec slog.Record) error {
	if h.r.r.Load() == nil {
		return h.h.Handle(ctx, rec)
	}
	out := slog.NewRecord(rec.Time, rec.Level, h.r.replace(rec.Message), rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.attr(a))
		return true
	})
	return h.h.Handle(ctx, out)
}

func (h *redactHandler) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, h.r.replace(v.String()))
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
			return slog.String(a.Key, h.r.replace(x.Error()))
		case []byte:
			return slog.String(a.Key, h.r.replace(string(x)))
		case nil:
		default:
			// Only rewrite values whose text holds a secret.
			if s := fmt.Sprintf("%+v", x); h.r.replace(s) != s {
				return slog.String(a.Key, h.r.replace(s))
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

// idPromise is the history id of a run, known once Begin returns.
type idPromise struct {
	done chan struct{}
	id   int64
	err  error
}

func newIDPromise() *idPromise { return &idPromise{done: make(chan struct{})} }

func (p *idPromise) resolve(id int64, err error) {
	p.id, p.err = id, err
	close(p.done)
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
