package soraerr

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/soracron/soracron/sora"
)

// TestClassify checks the error type of errors that a script cannot observe
// (a cancelled run stops at its next instruction).
func TestClassify(t *testing.T) {
	const target = sora.TargetGet
	tests := []struct {
		name string
		err  error
		want Fields
	}{
		{"cancelled", &sora.TransportError{Target: target, Err: context.Canceled},
			Fields{Type: "cancelled", Target: target, Message: "context canceled"}},
		{"cancelled after retries", fmt.Errorf("%w (after 2 attempts, last: x)", &sora.TransportError{Target: target, Err: context.Canceled}),
			Fields{Type: "cancelled", Target: target, Message: "context canceled (after 2 attempts, last: x)"}},
		{"deadline", &sora.TransportError{Target: target, Err: context.DeadlineExceeded},
			Fields{Type: "timeout", Target: target, Message: "context deadline exceeded"}},
		{"api", &sora.APIError{Status: 503, Target: target, Type: "busy", Message: "later"},
			Fields{Status: 503, Type: "busy", Target: target, Message: "later"}},
		{"dry run", ErrDryRun, Fields{Type: "dry_run", Target: target, Message: ErrDryRun.Error()}},
		{"other", errors.New("x"), Fields{Type: "transport", Target: target, Message: "x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Classify(tt.err, target); got != tt.want {
				t.Errorf("Classify = %+v, want %+v", got, tt.want)
			}
		})
	}
}
