package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/soracron/soracron/sora"
)

// childSora is the part of a sora.Config a child needs (all of it but
// the OnRequest hook), sent over the child's stdin, never on its command
// line or in its environment (the headers hold credentials).
type childSora struct {
	URL              string        `json:"url"`
	Timeout          time.Duration `json:"timeout,omitempty"`
	Headers          http.Header   `json:"headers,omitempty"`
	CAFile           string        `json:"ca_file,omitempty"`
	CertFile         string        `json:"cert_file,omitempty"`
	KeyFile          string        `json:"key_file,omitempty"`
	Insecure         bool          `json:"insecure,omitempty"`
	Attempts         int           `json:"attempts,omitempty"`
	BackoffBase      time.Duration `json:"backoff_base,omitempty"`
	BackoffMax       time.Duration `json:"backoff_max,omitempty"`
	MaxConns         int           `json:"max_conns,omitempty"`
	MaxResponseBytes int64         `json:"max_response_bytes,omitempty"`
	MaxRetryAfter    time.Duration `json:"max_retry_after,omitempty"`
	RetryAmbiguous   string        `json:"retry_ambiguous,omitempty"`
}

func newChildSora(c *sora.Config) *childSora {
	if c == nil {
		return nil
	}
	return &childSora{URL: c.URL, Timeout: c.Timeout, Headers: c.Headers, CAFile: c.CAFile, CertFile: c.CertFile,
		KeyFile: c.KeyFile, Insecure: c.Insecure, Attempts: c.Attempts, BackoffBase: c.BackoffBase,
		BackoffMax: c.BackoffMax, MaxConns: c.MaxConns, MaxResponseBytes: c.MaxResponseBytes,
		MaxRetryAfter: c.MaxRetryAfter, RetryAmbiguous: c.RetryAmbiguous}
}

func (c *childSora) config() sora.Config {
	return sora.Config{URL: c.URL, Timeout: c.Timeout, Headers: c.Headers, CAFile: c.CAFile, CertFile: c.CertFile,
		KeyFile: c.KeyFile, Insecure: c.Insecure, Attempts: c.Attempts, BackoffBase: c.BackoffBase,
		BackoffMax: c.BackoffMax, MaxConns: c.MaxConns, MaxResponseBytes: c.MaxResponseBytes,
		MaxRetryAfter: c.MaxRetryAfter, RetryAmbiguous: c.RetryAmbiguous}
}

// childOutput writes the child's messages, one JSON line each, from any
// goroutine.
type childOutput struct {
	mu  sync.Mutex
	enc *json.Encoder
}

func (o *childOutput) send(m childMessage) {
	o.mu.Lock()
	defer o.mu.Unlock()
	_ = o.enc.Encode(m)
}

// ServeChild serves one isolated run in a child process: it reads the
// request from in, applies its memory limit to the process (a heap
// watchdog and an OS limit, see limitMemory), runs it, and writes the
// run's logs, its start and its result to out as JSON lines. It returns
// the process's exit code. ctx should end at SIGINT and SIGTERM (the
// parent interrupts the child when the run is cancelled). It is meant for
// soracron's hidden child subcommand only.
func ServeChild(ctx context.Context, in io.Reader, out io.Writer) int {
	o := &childOutput{enc: json.NewEncoder(out)}
	o.enc.SetEscapeHTML(false)
	var req childRequest
	d := json.NewDecoder(io.LimitReader(in, 256<<20))
	d.UseNumber()
	if err := d.Decode(&req); err != nil {
		fmt.Fprintf(os.Stderr, "soracron child: bad request: %v\n", err)
		return 2
	}
	stop := limitMemory(req.MemoryLimit, func(heap uint64) {
		o.send(childMessage{Memory: &childMemory{Heap: heap, Limit: req.MemoryLimit}})
		os.Exit(childExitMemory)
	})
	defer stop()
	opts := Options{Logger: slog.New(&childLogHandler{o: o}), MaxStringBytes: req.MaxStringBytes, HTTPSetting: req.HTTPSetting}
	if req.Sora != nil {
		client, err := sora.New(req.Sora.config())
		if err != nil {
			o.send(childMessage{Result: &childResult{Error: &childError{Message: err.Error()}}})
			return 0
		}
		defer client.CloseIdleConnections()
		opts.Client = client
	}
	e := New(opts)
	if !req.Deadline.IsZero() {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, req.Deadline)
		defer cancel()
	}
	var compiled *Script
	if req.Source != nil {
		p, err := e.cache.compile(req.Script, req.Source)
		if err != nil {
			o.send(childMessage{Result: &childResult{Error: newChildError(err)}})
			return 0
		}
		compiled = &Script{path: req.Script, src: req.Source, proto: p}
	}
	res, err := e.Run(ctx, Request{
		Script: req.Script, Compiled: compiled, Args: req.Args, Event: req.Event, DryRun: req.DryRun, Timeout: req.Timeout,
		Concurrency: req.Concurrency, HTTPAllow: req.HTTPAllow,
		OnStart: func() { o.send(childMessage{Started: true}) },
	})
	cr := &childResult{Value: res.Value, HasValue: res.HasValue, Stats: res.Stats, Plan: res.Plan}
	if err != nil {
		cr.Error = newChildError(err)
	}
	o.send(childMessage{Result: cr})
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
	h.o.send(childMessage{Log: &childLog{Time: r.Time, Level: r.Level, Msg: r.Message, Attrs: attrs}})
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
