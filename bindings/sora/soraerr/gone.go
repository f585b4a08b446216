package soraerr

import (
	"errors"

	"github.com/soracron/soracron/bindings/plan"
	"github.com/soracron/soracron/sora"
)

// TypeGone is Sora's error_type of a connection that is not (or no
// longer) in the channel: a write that gets it is counted as gone, not as
// a failure.
const TypeGone = "connection_not_found"

// IsGone reports whether err is the reply of a write to a connection that
// has left the channel.
func IsGone(err error) bool { return sora.ErrorType(err) == TypeGone }

// IsUnsent reports whether err is the error of a request never sent
// because the run ended first.
func IsUnsent(err error) bool { return errors.Is(err, plan.ErrNotSent) }
