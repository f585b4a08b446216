package history

import (
	"bytes"
	"context"
	"encoding"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"time"
)

// LogBuffer is a slog.Handler that captures the log records of one run, to be
// stored with Store.Finish (Run.Logs = b.Lines()). It keeps the first
// maxLines lines / maxBytes bytes (level + message + JSON attrs per line) and
// counts the rest, reported by a final "... N lines dropped" line. Attributes
// added with WithAttrs and groups opened with WithGroup are captured like
// slog.JSONHandler would show them (groups as nested maps).
//
// Attribute values are converted to JSON values at capture time: times become
// RFC 3339 strings, durations strings like "1.5s", errors their text,
// json.Number values (numbers logged by scripts) JSON numbers, other values
// their JSON encoding (or fmt %+v text if they do not encode).
//
// A LogBuffer and the handlers derived from it are safe for concurrent use.
// Set Redact and Level before the first use. The message and every string
// value are cut to MaxLogValueBytes (after redaction), saying so.
type LogBuffer struct {
	// Redact, if set, is applied to the message and to every string attribute
	// value (including nested ones and error texts) before capture, so secrets
	// never reach the history.
	Redact func(string) string
	// Level is the minimum level captured; nil = slog.LevelInfo.
	Level slog.Leveler
	// OnLine, if set, is called with every line kept and its index (from
	// 0), in order, with the buffer locked: it must not block.
	OnLine func(line LogLine, index int)

	maxLines, maxBytes int

	mu      sync.Mutex
	lines   []LogLine
	size    int
	dropped int
	lastAt  time.Time // time of the last dropped record
}

// NewLogBuffer returns an empty LogBuffer keeping at most maxLines lines and
// maxBytes bytes; 0 means the store defaults (DefaultMaxLogLines,
// DefaultMaxLogBytes), negative means no cap.
func NewLogBuffer(maxLines, maxBytes int) *LogBuffer {
	if maxLines == 0 {
		maxLines = DefaultMaxLogLines
	}
	if maxBytes == 0 {
		maxBytes = DefaultMaxLogBytes
	}
	return &LogBuffer{maxLines: maxLines, maxBytes: maxBytes}
}

// Lines returns a copy of the captured lines, followed by a
// "... N lines dropped" marker line if lines were dropped.
func (b *LogBuffer) Lines() []LogLine {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]LogLine, len(b.lines), len(b.lines)+1)
	copy(out, b.lines)
	if b.dropped > 0 {
		out = append(out, droppedLine(b.dropped, b.lastAt))
	}
	return out
}

// Dropped returns how many records were dropped because of the caps.
func (b *LogBuffer) Dropped() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.dropped
}

// Enabled reports whether level is at least b.Level.
func (b *LogBuffer) Enabled(_ context.Context, level slog.Level) bool {
	threshold := slog.LevelInfo
	if b.Level != nil {
		threshold = b.Level.Level()
	}
	return level >= threshold
}

// Handle captures r.
func (b *LogBuffer) Handle(_ context.Context, r slog.Record) error { return b.handle(r, nil) }

// WithAttrs returns a handler capturing into b with attrs added to every record.
func (b *LogBuffer) WithAttrs(attrs []slog.Attr) slog.Handler {
	return (&bufferHandler{buf: b}).WithAttrs(attrs)
}

// WithGroup returns a handler capturing into b with later attrs under name.
func (b *LogBuffer) WithGroup(name string) slog.Handler {
	return (&bufferHandler{buf: b}).WithGroup(name)
}

// groupOrAttrs is one WithGroup (group != "") or WithAttrs call.
type groupOrAttrs struct {
	group string
	attrs []slog.Attr
}

// bufferHandler is a LogBuffer handler derived with WithAttrs/WithGroup.
type bufferHandler struct {
	buf  *LogBuffer
	goas []groupOrAttrs
}

func (h *bufferHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.buf.Enabled(ctx, level)
}

func (h *bufferHandler) Handle(_ context.Context, r slog.Record) error {
	return h.buf.handle(r, h.goas)
}

func (h *bufferHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return h
	}
	return h.with(groupOrAttrs{attrs: append([]slog.Attr(nil), attrs...)})
}

func (h *bufferHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	return h.with(groupOrAttrs{group: name})
}

func (h *bufferHandler) with(g groupOrAttrs) *bufferHandler {
	goas := make([]groupOrAttrs, len(h.goas), len(h.goas)+1)
	copy(goas, h.goas)
	return &bufferHandler{buf: h.buf, goas: append(goas, g)}
}

// handle converts r (with the handler's attrs and groups) and appends it.
func (b *LogBuffer) handle(r slog.Record, goas []groupOrAttrs) error {
	c := collector{redact: b.Redact}
	var path []string
	for _, g := range goas {
		if g.group != "" {
			path = append(path, g.group)
			continue
		}
		for _, a := range g.attrs {
			c.add(path, a)
		}
	}
	r.Attrs(func(a slog.Attr) bool {
		c.add(path, a)
		return true
	})
	line := LogLine{Level: r.Level.String(), Msg: c.str(r.Message), Attrs: c.root}
	if !r.Time.IsZero() {
		line.Time = r.Time.UTC()
	}
	size := len(line.Level) + len(line.Msg)
	if len(c.root) > 0 {
		enc, err := json.Marshal(c.root)
		if err != nil { // cannot happen: values are JSON values
			return fmt.Errorf("history: log attrs: %w", err)
		}
		size += len(enc)
	}

	b.mu.Lock()
	defer b.mu.Unlock()
	if b.dropped > 0 || (b.maxLines >= 0 && len(b.lines) >= b.maxLines) ||
		(b.maxBytes >= 0 && b.size+size > b.maxBytes) {
		// Once a line is dropped, every later one is too: the kept lines
		// are a prefix of the run's log and the marker is truly final.
		b.dropped++
		b.lastAt = latest(b.lastAt, line.Time)
		return nil
	}
	b.lines = append(b.lines, line)
	b.size += size
	if b.OnLine != nil {
		b.OnLine(line, len(b.lines)-1)
	}
	return nil
}

// collector builds the attribute map of one record.
type collector struct {
	redact func(string) string
	root   map[string]any
}

// str redacts s, then cuts it to MaxLogValueBytes.
func (c *collector) str(s string) string {
	if c.redact != nil {
		s = c.redact(s)
	}
	return CutText(s, MaxLogValueBytes)
}

// add sets a at the group path, creating group maps only when a non-empty
// attribute lands in them (empty groups are omitted, like slog handlers do).
func (c *collector) add(path []string, a slog.Attr) {
	a.Value = a.Value.Resolve()
	if a.Equal(slog.Attr{}) {
		return
	}
	if a.Value.Kind() == slog.KindGroup {
		attrs := a.Value.Group()
		if len(attrs) == 0 {
			return
		}
		if a.Key != "" {
			path = append(path[:len(path):len(path)], a.Key)
		}
		for _, ga := range attrs {
			c.add(path, ga)
		}
		return
	}
	if c.root == nil {
		c.root = make(map[string]any)
	}
	m := c.root
	for _, g := range path {
		sub, ok := m[g].(map[string]any)
		if !ok {
			sub = make(map[string]any)
			m[g] = sub
		}
		m = sub
	}
	m[a.Key] = c.value(a.Value)
}

// value converts a resolved, non-group slog value to a JSON value.
func (c *collector) value(v slog.Value) any {
	switch v.Kind() {
	case slog.KindString:
		return c.str(v.String())
	case slog.KindInt64:
		return v.Int64()
	case slog.KindUint64:
		return v.Uint64()
	case slog.KindFloat64:
		f := v.Float64()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return fmt.Sprint(f)
		}
		return f
	case slog.KindBool:
		return v.Bool()
	case slog.KindDuration:
		return v.Duration().String()
	case slog.KindTime:
		return v.Time().Format(time.RFC3339Nano)
	}
	x := v.Any()
	switch x := x.(type) {
	case nil:
		return nil
	case error:
		if _, ok := x.(json.Marshaler); !ok {
			return c.str(x.Error())
		}
	case []byte:
		return c.str(string(x))
	case json.Number:
		// A number stays a number (json.Number is a Stringer), unless it
		// is not a valid JSON number or its text holds a secret.
		if s := x.String(); c.str(s) == s {
			if _, err := json.Marshal(x); err == nil {
				return x
			}
		}
		return c.str(x.String())
	case json.Marshaler, encoding.TextMarshaler:
	case fmt.Stringer:
		return c.str(x.String())
	}
	b, err := json.Marshal(x)
	if err != nil {
		return c.str(fmt.Sprintf("%+v", x))
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var out any
	if err := dec.Decode(&out); err != nil {
		return c.str(fmt.Sprintf("%+v", x))
	}
	return c.redactAll(out)
}

// redactAll applies str to every string in a decoded JSON value.
func (c *collector) redactAll(v any) any {
	switch v := v.(type) {
	case string:
		return c.str(v)
	case map[string]any:
		for k, e := range v {
			v[k] = c.redactAll(e)
		}
	case []any:
		for i, e := range v {
			v[i] = c.redactAll(e)
		}
	}
	return v
}
