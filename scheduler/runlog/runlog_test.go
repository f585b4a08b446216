package runlog

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/soracron/soracron/scheduler/history"
)

func TestLogger(t *testing.T) {
	tests := []struct {
		name    string
		id      int64
		err     error
		wantLog string // a substring of the daemon's line
		noRunID bool
	}{
		{"recorded run", 7, nil, "msg=hello job=j run_id=7 k=v", false},
		{"run not recorded", 0, errors.New("disk full"), "msg=hello job=j k=v", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var daemon bytes.Buffer
			buf := history.NewLogBuffer(0, 0)
			id := NewID()
			logger := New(slog.NewTextHandler(&daemon, nil), []slog.Attr{slog.String("job", "j")}, id, buf).With("k", "v")
			if id.Peek() != 0 {
				t.Fatal("Peek before Resolve")
			}
			id.Resolve(tc.id, tc.err)
			if got := id.Peek(); got != tc.id {
				t.Errorf("Peek = %d, want %d", got, tc.id)
			}
			logger.Info("hello")
			if !strings.Contains(daemon.String(), tc.wantLog) || tc.noRunID && strings.Contains(daemon.String(), "run_id") {
				t.Errorf("daemon's log = %q, want %q", daemon.String(), tc.wantLog)
			}
			if lines := buf.Lines(); len(lines) != 1 || lines[0].Msg != "hello" {
				t.Errorf("captured lines = %+v", lines)
			}
		})
	}
}

func TestLoggerCapped(t *testing.T) {
	var daemon bytes.Buffer
	buf := history.NewLogBuffer(2, -1)
	id := NewID()
	id.Resolve(1, nil)
	logger := New(slog.NewTextHandler(&daemon, nil), nil, id, buf)
	for range 5 {
		logger.Info("line")
	}
	out := daemon.String()
	if n := strings.Count(out, "msg=line"); n < 2 || n > 3 {
		t.Errorf("%d lines on the daemon's log with a cap of 2, want the 2 kept and at most 1 more:\n%s", n, out)
	}
	if strings.Count(out, "reached its cap") != 1 {
		t.Errorf("want one warning about the cap:\n%s", out)
	}
	if got := buf.Dropped(); got != 3 {
		t.Errorf("the buffer dropped %d lines, want 3 of the 5", got)
	}
}

func TestLive(t *testing.T) {
	var l Live
	if _, ok := l.Lines(1); ok {
		t.Fatal("an unknown run is live")
	}
	buf := history.NewLogBuffer(0, 0)
	slog.New(buf).Info("so far")
	l.Set(1, buf)
	if lines, ok := l.Lines(1); !ok || len(lines) != 1 || lines[0].Msg != "so far" {
		t.Errorf("Lines(1) = %+v, %v", lines, ok)
	}
	l.Set(1, nil)
	if _, ok := l.Lines(1); ok {
		t.Error("a forgotten run is live")
	}
}
