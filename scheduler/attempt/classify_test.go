package attempt

import (
	"context"
	"errors"
	"testing"

	sorastats "github.com/soracron/soracron/bindings/sora/stats"
	"github.com/soracron/soracron/engine"
	"github.com/soracron/soracron/scheduler/cluster"
	"github.com/soracron/soracron/scheduler/history"
)

func TestClassify(t *testing.T) {
	live := context.Background()
	cancelled := func(cause error) context.Context {
		ctx, cancel := context.WithCancelCause(context.Background())
		cancel(cause)
		return ctx
	}
	ok := &engine.Result{}
	partial := &engine.Result{Stats: sorastats.Stats{WriteFailures: 2, Handled: 0,
		Failed: []sorastats.Failure{{Error: "503"}}}}
	tests := []struct {
		name     string
		ctx      context.Context
		res      *engine.Result
		err      error
		want     history.Outcome
		wantText string
	}{
		{"ok", live, ok, nil, history.OutcomeOK, ""},
		{"partial", live, partial, nil, history.OutcomePartial, "partial: 2 writes failed after retries; first: 503"},
		{"failed", live, ok, errors.New("boom"), history.OutcomeFailed, "boom"},
		{"script timeout", live, ok, &engine.ScriptError{Kind: engine.Timeout, Message: "timed out"}, history.OutcomeTimeout, ""},
		{"deadline of the runner", live, ok, context.DeadlineExceeded, history.OutcomeTimeout, "context deadline exceeded"},
		{"cancelled with a cause", cancelled(errors.New("replaced")), ok, context.Canceled, history.OutcomeCancelled, "cancelled: replaced"},
		{"failed because cancelled", cancelled(nil), ok, errors.New("call failed"), history.OutcomeCancelled, "cancelled (call failed)"},
		{"session lost", cancelled(cluster.ErrSessionLost), ok, context.Canceled, history.OutcomeInterrupted,
			"interrupted: " + cluster.ErrSessionLost.Error()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, text := Classify(tc.ctx, tc.res, tc.err)
			if got != tc.want || tc.wantText != "" && text != tc.wantText {
				t.Errorf("Classify = %s %q, want %s %q", got, text, tc.want, tc.wantText)
			}
		})
	}
}
