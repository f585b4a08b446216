package isolation

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
)

// RunFunc runs the request of a child in the child's process, under ctx
// (which ends at the request's deadline): logger is the run's logger (its
// records go to the parent), onStart is called when the script starts. It
// returns the run's result, with its error.
type RunFunc func(ctx context.Context, req *Request, logger *slog.Logger, onStart func()) *Result

// childOutput writes the child's messages, one JSON line each, from any
// goroutine.
type childOutput struct {
	mu  sync.Mutex
	enc *json.Encoder
}

func (o *childOutput) send(m Message) {
	o.mu.Lock()
	defer o.mu.Unlock()
	_ = o.enc.Encode(m)
}

// Serve serves one isolated run in a child process: it reads the request
// from in, applies its memory limit to the process (a heap watchdog and an
// OS limit, see limitMemory), runs it with run, and writes the run's logs,
// its start and its result to out as JSON lines. It returns the process's
// exit code. ctx should end at SIGINT and SIGTERM (the parent interrupts
// the child when the run is cancelled).
func Serve(ctx context.Context, in io.Reader, out io.Writer, run RunFunc) int {
	o := &childOutput{enc: json.NewEncoder(out)}
	o.enc.SetEscapeHTML(false)
	var req Request
	d := json.NewDecoder(io.LimitReader(in, 256<<20))
	d.UseNumber()
	if err := d.Decode(&req); err != nil {
		fmt.Fprintf(os.Stderr, "soracron child: bad request: %v\n", err)
		return 2
	}
	stop := limitMemory(req.MemoryLimit, func(heap uint64) {
		o.send(Message{Memory: &Memory{Heap: heap, Limit: req.MemoryLimit}})
		os.Exit(ExitMemory)
	})
	defer stop()
	if !req.Deadline.IsZero() {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, req.Deadline)
		defer cancel()
	}
	res := run(ctx, &req, slog.New(&childLogHandler{o: o}), func() { o.send(Message{Started: true}) })
	o.send(Message{Result: res})
	return 0
}

// childLogHandler is the slog handler of a child's run: each record goes
// to the parent as a message, its attributes flattened (groups as
// "group.key").
type childLogHandler struct {
	o      *childOutput
	attrs  []slog.Attr
	prefix string
}

func (h *childLogHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h *childLogHandler) Handle(_ context.Context, r slog.Record) error {
	attrs := map[string]any{}
	for _, a := range h.attrs {
		addAttr(attrs, "", a)
	}
	r.Attrs(func(a slog.Attr) bool {
		addAttr(attrs, h.prefix, a)
		return true
	})
	h.o.send(Message{Log: &Log{Time: r.Time, Level: r.Level, Msg: r.Message, Attrs: attrs}})
	return nil
}

func (h *childLogHandler) WithAttrs(as []slog.Attr) slog.Handler {
	h2 := *h
	h2.attrs = append([]slog.Attr(nil), h.attrs...)
	for _, a := range as {
		if h.prefix != "" {
			a.Key = h.prefix + a.Key
		}
		h2.attrs = append(h2.attrs, a)
	}
	return &h2
}

func (h *childLogHandler) WithGroup(name string) slog.Handler {
	h2 := *h
	h2.prefix = h.prefix + name + "."
	return &h2
}

// addAttr adds a (flattened) to m.
func addAttr(m map[string]any, prefix string, a slog.Attr) {
	v := a.Value.Resolve()
	if v.Kind() == slog.KindGroup {
		for _, g := range v.Group() {
			addAttr(m, prefix+a.Key+".", g)
		}
		return
	}
	switch v.Kind() {
	case slog.KindDuration:
		m[prefix+a.Key] = v.Duration().String()
	case slog.KindTime:
		m[prefix+a.Key] = v.Time()
	default:
		m[prefix+a.Key] = v.Any()
	}
}
