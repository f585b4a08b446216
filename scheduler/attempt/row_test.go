package attempt

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	sorastats "github.com/soracron/soracron/bindings/sora/stats"
	"github.com/soracron/soracron/engine"
	"github.com/soracron/soracron/scheduler/history"
	"github.com/soracron/soracron/scheduler/redact"
)

func TestRow(t *testing.T) {
	end := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	stats := sorastats.Stats{Calls: map[string]int{"list": 2, "put": 3}, Writes: 3}
	scriptErr := &engine.ScriptError{Kind: engine.Runtime, Message: "boom s3cret", Traceback: "stack traceback: main.lua:1"}
	tests := []struct {
		name      string
		res       *engine.Result
		err       error
		outcome   history.Outcome
		errText   string
		want      history.Run
		wantLog   []string // substrings of the run's log
		wantNoLog bool
	}{
		{"ok with a value", &engine.Result{Stats: stats, HasValue: true, Value: map[string]any{"token": "s3cret"}}, nil,
			history.OutcomeOK, "",
			history.Run{End: end, Outcome: history.OutcomeOK, Calls: 5, CallsByAction: stats.Calls, Writes: 3,
				Result: []byte(`{"token":"[REDACTED]"}`)}, nil, true},
		{"no result", nil, errors.New("x"), history.OutcomeFailed, "x",
			history.Run{End: end, Outcome: history.OutcomeFailed, Error: "x"}, nil, true},
		{"value that is no JSON", &engine.Result{HasValue: true, Value: func() {}}, nil, history.OutcomeOK, "",
			history.Run{End: end, Outcome: history.OutcomeOK}, []string{"the return value cannot be stored as JSON"}, false},
		{"runtime error: redacted, traceback logged", &engine.Result{Stats: stats}, scriptErr, history.OutcomeFailed,
			"boom s3cret", history.Run{End: end, Outcome: history.OutcomeFailed, Error: "boom [REDACTED]", Calls: 5,
				CallsByAction: stats.Calls, Writes: 3}, []string{"script error", "stack traceback: main.lua:1"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			logger := slog.New(slog.NewTextHandler(&buf, nil))
			got := Row(tt.res, tt.err, end, tt.outcome, tt.errText, redact.New([]string{"s3cret"}), logger)
			if !got.End.Equal(tt.want.End) || got.Outcome != tt.want.Outcome || got.Error != tt.want.Error ||
				got.Calls != tt.want.Calls || got.Writes != tt.want.Writes || len(got.CallsByAction) != len(tt.want.CallsByAction) ||
				string(got.Result) != string(tt.want.Result) {
				t.Errorf("Row = %+v, want %+v", got, tt.want)
			}
			for _, s := range tt.wantLog {
				if !strings.Contains(buf.String(), s) {
					t.Errorf("log %q lacks %q", buf.String(), s)
				}
			}
			if tt.wantNoLog && buf.Len() > 0 {
				t.Errorf("log %q, want none", buf.String())
			}
		})
	}
}
