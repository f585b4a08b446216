package runlog

import (
	"log/slog"

	"github.com/soracron/soracron/scheduler/history"
)

// keyRunID is the attribute of the run's id (the daemon's key "run_id").
const keyRunID = "run_id"

// New returns the logger of a run: records go to base (the daemon's log,
// with attrs and then run_id once id is known, until buf drops lines) and
// to buf.
func New(base slog.Handler, attrs []slog.Attr, id *ID, buf *history.LogBuffer) *slog.Logger {
	return slog.New(history.Tee(newCappedHandler(&idHandler{p: id, base: base, attrs: attrs}, buf), buf))
}
