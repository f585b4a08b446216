package history

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"testing/slogtest"
	"time"
)

// lineMaps turns captured lines into the maps slogtest expects.
func lineMaps(lines []LogLine) []map[string]any {
	var out []map[string]any
	for _, l := range lines {
		m := map[string]any{slog.LevelKey: l.Level, slog.MessageKey: l.Msg}
		if !l.Time.IsZero() {
			m[slog.TimeKey] = l.Time
		}
		for k, v := range l.Attrs {
			m[k] = v
		}
		out = append(out, m)
	}
	return out
}

func TestLogBufferSlogtest(t *testing.T) {
	var buf *LogBuffer
	slogtest.Run(t, func(*testing.T) slog.Handler {
		buf = NewLogBuffer(0, 0)
		return buf
	}, func(t *testing.T) map[string]any {
		lines := buf.Lines()
		if len(lines) != 1 {
			t.Fatalf("%d lines, want 1", len(lines))
		}
		return lineMaps(lines)[0]
	})
}

func TestTeeSlogtest(t *testing.T) {
	var a, b *LogBuffer
	slogtest.Run(t, func(*testing.T) slog.Handler {
		a, b = NewLogBuffer(0, 0), NewLogBuffer(0, 0)
		return Tee(a, nil, b)
	}, func(t *testing.T) map[string]any {
		la, lb := a.Lines(), b.Lines()
		if len(la) != 1 || !reflect.DeepEqual(la, lb) {
			t.Fatalf("tee outputs differ: %+v vs %+v", la, lb)
		}
		return lineMaps(la)[0]
	})
}

type secretErr struct{}

func (secretErr) Error() string { return "auth failed for token s3cr3t" }

type creds struct {
	User  string   `json:"user"`
	Token string   `json:"token"`
	Tags  []string `json:"tags"`
}

func TestLogBufferAttrs(t *testing.T) {
	t0 := time.Date(2025, 5, 6, 7, 8, 9, 10, time.UTC)
	redact := func(s string) string {
		return strings.NewReplacer("s3cr3t", "[REDACTED]", "12345", "[REDACTED]").Replace(s)
	}
	tests := []struct {
		name      string
		log       func(l *slog.Logger)
		wantMsg   string
		wantAttrs map[string]any
	}{
		{
			name: "scalar kinds",
			log: func(l *slog.Logger) {
				l.Info("m", "s", "x", "i", -3, "u", uint64(7), "f", 1.5, "b", true, "d", 1500*time.Millisecond, "t", t0)
			},
			wantMsg:   "m",
			wantAttrs: map[string]any{"s": "x", "i": int64(-3), "u": uint64(7), "f": 1.5, "b": true, "d": "1.5s", "t": "2025-05-06T07:08:09.00000001Z"},
		},
		{
			name: "WithAttrs and WithGroup",
			log: func(l *slog.Logger) {
				l.With("job", "sweep").WithGroup("req").With("channel", "c1").WithGroup("empty").Info("m", "n", 2)
			},
			wantMsg:   "m",
			wantAttrs: map[string]any{"job": "sweep", "req": map[string]any{"channel": "c1", "empty": map[string]any{"n": int64(2)}}},
		},
		{
			name:      "trailing empty group is omitted",
			log:       func(l *slog.Logger) { l.WithGroup("req").With("a", 1).WithGroup("sub").Info("m") },
			wantMsg:   "m",
			wantAttrs: map[string]any{"req": map[string]any{"a": int64(1)}},
		},
		{
			name:      "inline and empty groups",
			log:       func(l *slog.Logger) { l.Info("m", slog.Group("", "x", 1), slog.Group("g"), slog.Group("h", "y", "z")) },
			wantMsg:   "m",
			wantAttrs: map[string]any{"x": int64(1), "h": map[string]any{"y": "z"}},
		},
		{
			name:      "no attrs",
			log:       func(l *slog.Logger) { l.Warn("plain") },
			wantMsg:   "plain",
			wantAttrs: nil,
		},
		{
			name: "redaction",
			log: func(l *slog.Logger) {
				l.With("hdr", "Bearer s3cr3t").Error("token s3cr3t rejected", "err", secretErr{},
					"creds", creds{User: "u", Token: "s3cr3t", Tags: []string{"a-s3cr3t"}},
					"raw", []byte("s3cr3t"), slog.Group("g", "k", "s3cr3t"), "n", 5)
			},
			wantMsg: "token [REDACTED] rejected",
			wantAttrs: map[string]any{"hdr": "Bearer [REDACTED]", "err": "auth failed for token [REDACTED]",
				"creds": map[string]any{"user": "u", "token": "[REDACTED]", "tags": []any{"a-[REDACTED]"}},
				"raw":   "[REDACTED]", "g": map[string]any{"k": "[REDACTED]"}, "n": int64(5)},
		},
		{
			name: "json numbers stay numbers",
			log: func(l *slog.Logger) {
				l.Info("m", "runs", json.Number("1"), "ratio", json.Number("-2.5e3"), "bad", json.Number("0x1f"),
					"nested", map[string]any{"n": json.Number("7")}, "secret", json.Number("12345"))
			},
			wantMsg: "m",
			wantAttrs: map[string]any{"runs": json.Number("1"), "ratio": json.Number("-2.5e3"), "bad": "0x1f",
				"nested": map[string]any{"n": json.Number("7")}, "secret": "[REDACTED]"},
		},
		{
			name:      "unencodable values fall back to text",
			log:       func(l *slog.Logger) { l.Info("m", "ch", make(chan int), "nan", float64Inf()) },
			wantMsg:   "m",
			wantAttrs: map[string]any{"ch": "<chan>", "nan": "+Inf"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			buf := NewLogBuffer(0, 0)
			buf.Redact = redact
			tt.log(slog.New(buf))
			lines := buf.Lines()
			if len(lines) != 1 {
				t.Fatalf("%d lines, want 1", len(lines))
			}
			if lines[0].Msg != tt.wantMsg {
				t.Errorf("msg = %q, want %q", lines[0].Msg, tt.wantMsg)
			}
			got := lines[0].Attrs
			if tt.name == "unencodable values fall back to text" { // channel address varies
				if s, _ := got["ch"].(string); strings.HasPrefix(s, "0x") {
					got["ch"] = "<chan>"
				}
			}
			if !reflect.DeepEqual(got, tt.wantAttrs) {
				t.Errorf("attrs =\n%#v\nwant\n%#v", got, tt.wantAttrs)
			}
		})
	}
}

func float64Inf() float64 { return 1 / zero }

var zero = 0.0

func TestLogBufferCaps(t *testing.T) {
	tests := []struct {
		name     string
		maxLines int
		maxBytes int
		n        int
		wantKept int
		wantMark string // "" = no marker
	}{
		{"under caps", 5, 0, 5, 5, ""},
		{"line cap", 3, 0, 10, 3, "... 7 lines dropped"},
		{"one line dropped", 3, 0, 4, 3, "... 1 line dropped"},
		// each line is "INFO" + "line N" = 10 bytes
		{"byte cap", 100, 35, 10, 3, "... 7 lines dropped"},
		{"no caps", -1, -1, 2000, 2000, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			buf := NewLogBuffer(tt.maxLines, tt.maxBytes)
			l := slog.New(buf)
			for i := range tt.n {
				l.Info(fmt.Sprintf("line %d", i%10))
			}
			lines := buf.Lines()
			kept := lines
			if tt.wantMark != "" {
				if len(lines) == 0 || lines[len(lines)-1].Msg != tt.wantMark {
					t.Fatalf("last line = %+v, want marker %q", lines[len(lines)-1], tt.wantMark)
				}
				kept = lines[:len(lines)-1]
			}
			if len(kept) != tt.wantKept {
				t.Errorf("kept %d lines, want %d", len(kept), tt.wantKept)
			}
			for i, l := range kept {
				if want := fmt.Sprintf("line %d", i%10); l.Msg != want {
					t.Fatalf("line %d = %q, want %q (first lines are kept)", i, l.Msg, want)
				}
			}
		})
	}
	t.Run("level", func(t *testing.T) {
		buf := NewLogBuffer(0, 0)
		l := slog.New(buf)
		l.Debug("hidden")
		l.Info("shown")
		buf.Level = slog.LevelDebug
		l.Debug("debug now shown")
		if got := len(buf.Lines()); got != 2 {
			t.Errorf("%d lines, want 2", got)
		}
	})
	t.Run("concurrent", func(t *testing.T) {
		buf := NewLogBuffer(100, -1)
		l := slog.New(buf)
		var wg sync.WaitGroup
		for g := range 8 {
			wg.Go(func() {
				gl := l.With("g", g)
				for range 50 {
					gl.Info("x")
				}
			})
		}
		wg.Wait()
		if lines, d := buf.Lines(), buf.Dropped(); len(lines) != 101 || d != 300 {
			t.Errorf("%d lines, %d dropped; want 100+marker, 300", len(lines), d)
		}
	})
}

func TestStoreLogCap(t *testing.T) {
	mk := func(n int) []LogLine {
		var out []LogLine
		for i := range n {
			out = append(out, LogLine{Level: "INFO", Msg: fmt.Sprintf("line %d", i), Attrs: map[string]any{"i": i}})
		}
		return out
	}
	buffered := func(n, maxLines int) []LogLine {
		buf := NewLogBuffer(maxLines, -1)
		for _, l := range mk(n) {
			slog.New(buf).Info(l.Msg, "i", l.Attrs["i"])
		}
		return buf.Lines()
	}
	tests := []struct {
		name     string
		opts     Options
		logs     []LogLine
		wantKept int
		wantMark string
	}{
		{"line cap", Options{MaxLogLines: 3}, mk(10), 3, "... 7 lines dropped"},
		// each line: "INFO" + "line N" + `{"i":N}` = 17 bytes
		{"byte cap", Options{MaxLogBytes: 50}, mk(10), 2, "... 8 lines dropped"},
		{"under caps", Options{MaxLogLines: 10}, mk(10), 10, ""},
		{"buffer marker merged", Options{MaxLogLines: 3}, buffered(10, 5), 3, "... 7 lines dropped"},
		{"buffer marker kept as is", Options{MaxLogLines: 5}, buffered(10, 5), 5, "... 5 lines dropped"},
		{"default cap", Options{}, mk(1005), 1000, "... 5 lines dropped"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openStore(t, filepath.Join(t.TempDir(), "state.db"), tt.opts)
			id := runOnce(t, s, "a", OutcomeOK, tt.logs...)
			r, err := s.Get(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			kept := r.Logs
			if tt.wantMark != "" {
				last := r.Logs[len(r.Logs)-1]
				if last.Msg != tt.wantMark || last.Level != "WARN" {
					t.Fatalf("last line = %+v, want marker %q", last, tt.wantMark)
				}
				kept = r.Logs[:len(r.Logs)-1]
			}
			if len(kept) != tt.wantKept {
				t.Fatalf("kept %d lines, want %d", len(kept), tt.wantKept)
			}
			for i, l := range kept {
				if l.Msg != fmt.Sprintf("line %d", i) || l.Attrs["i"] != json.Number(fmt.Sprint(i)) {
					t.Fatalf("line %d = %+v", i, l)
				}
			}
		})
	}
}

func TestTee(t *testing.T) {
	quiet, verbose := NewLogBuffer(0, 0), NewLogBuffer(0, 0)
	quiet.Level, verbose.Level = slog.LevelWarn, slog.LevelDebug
	failing := failingHandler{}
	l := slog.New(Tee(quiet, verbose)).With("job", "a").WithGroup("g")
	l.Debug("d", "k", 1)
	l.Warn("w", "k", 2)
	tests := []struct {
		name string
		buf  *LogBuffer
		want []string
	}{
		{"quiet handler only gets enabled records", quiet, []string{"w"}},
		{"verbose handler gets all", verbose, []string{"d", "w"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, line := range tt.buf.Lines() {
				got = append(got, line.Msg)
				if line.Attrs["job"] != "a" || line.Attrs["g"].(map[string]any)["k"] == nil {
					t.Errorf("line %+v lacks attrs", line)
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	t.Run("enabled if any is", func(t *testing.T) {
		h := Tee(quiet, verbose)
		if !h.Enabled(context.Background(), slog.LevelDebug) {
			t.Error("Tee not enabled for debug")
		}
		if Tee(quiet).Enabled(context.Background(), slog.LevelInfo) {
			t.Error("Tee(quiet) enabled for info")
		}
	})
	t.Run("errors are joined, others still handled", func(t *testing.T) {
		buf := NewLogBuffer(0, 0)
		h := Tee(failing, buf)
		err := h.Handle(context.Background(), slog.NewRecord(time.Now(), slog.LevelInfo, "x", 0))
		if !errors.Is(err, errFailing) || len(buf.Lines()) != 1 {
			t.Errorf("err = %v, lines = %d", err, len(buf.Lines()))
		}
	})
}

var errFailing = errors.New("failing handler")

type failingHandler struct{}

func (failingHandler) Enabled(context.Context, slog.Level) bool  { return true }
func (failingHandler) Handle(context.Context, slog.Record) error { return errFailing }
func (f failingHandler) WithAttrs([]slog.Attr) slog.Handler      { return f }
func (f failingHandler) WithGroup(string) slog.Handler           { return f }

// TestStoredNumbers checks that numbers logged by scripts (json.Number
// attributes) are stored as JSON numbers, and read back as numbers.
func TestStoredNumbers(t *testing.T) {
	tests := []struct {
		name      string
		value     any
		wantJSON  string
		wantValue any
	}{
		{"integer", json.Number("1"), `{"v":1}`, json.Number("1")},
		{"float", json.Number("0.25"), `{"v":0.25}`, json.Number("0.25")},
		{"not a JSON number", json.Number("1_000"), `{"v":"1_000"}`, "1_000"},
		{"string", "1", `{"v":"1"}`, "1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "state.db")
			s := openStore(t, path, Options{})
			buf := NewLogBuffer(0, 0)
			slog.New(buf).Info("m", "v", tt.value)
			id := runOnce(t, s, "a", OutcomeOK, buf.Lines()...)
			if got := storedAttrs(t, s, id); got != tt.wantJSON {
				t.Errorf("stored attrs = %s, want %s", got, tt.wantJSON)
			}
			r, err := s.Get(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			if got := r.Logs[0].Attrs["v"]; got != tt.wantValue {
				t.Errorf("read back %#v, want %#v", got, tt.wantValue)
			}
		})
	}
}

// storedAttrs returns the attrs column of the first log line of run id.
func storedAttrs(t *testing.T, s *Store, id int64) string {
	t.Helper()
	var attrs string
	if err := s.r.QueryRow(`SELECT attrs FROM run_logs WHERE run_id = ? AND seq = 0`, id).Scan(&attrs); err != nil {
		t.Fatal(err)
	}
	return attrs
}
