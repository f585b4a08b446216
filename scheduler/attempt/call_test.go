package attempt

import (
	"context"
	"errors"
	"log/slog"
	"testing"

	"github.com/soracron/soracron/engine"
)

// panicky panics in every run.
type panicky struct{}

func (panicky) Run(context.Context, engine.Request) (*engine.Result, error) { panic("oops") }

func TestCallRecoversAPanic(t *testing.T) {
	res, err := Call(context.Background(), panicky{}, engine.Request{}, slog.New(slog.DiscardHandler))
	var pe *PanicError
	if res != nil || !errors.As(err, &pe) || pe.Value != "oops" || err.Error() != "panic: oops" {
		t.Errorf("Call = %v, %v; want a *PanicError of oops", res, err)
	}
}
