package attempt

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"

	"github.com/soracron/soracron/engine"
)

// Runner runs one script; *engine.Engine is the real one. Run must return a
// non-nil Result, even with an error.
type Runner interface {
	Run(ctx context.Context, req engine.Request) (*engine.Result, error)
}

// Call runs the script of req with r, turning a panic of the runner into a
// *PanicError (logged to logger with its stack).
func Call(ctx context.Context, r Runner, req engine.Request, logger *slog.Logger) (res *engine.Result, err error) {
	defer func() {
		if v := recover(); v != nil {
			logger.Error("the run panicked", slog.Any(keyPanic, v), slog.String(keyStack, string(debug.Stack())))
			res, err = nil, &PanicError{Value: v}
		}
	}()
	return r.Run(ctx, req)
}

// PanicError is the error of a run whose runner panicked.
type PanicError struct {
	// Value is what the runner panicked with.
	Value any
}

func (e *PanicError) Error() string { return fmt.Sprintf("panic: %v", e.Value) }
