package attempt

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/soracron/soracron/scheduler/history"
)

// FinishLater records the end of a run whose Finish failed (e.g. the disk
// was full), every interval until finish succeeds or the history says it
// never will (closed, the run gone or already ended), so a finished run
// does not stay running once space returns. (A run still running when the
// process ends is marked interrupted by the next start.) finish is the
// history's Finish.
func FinishLater(finish func(context.Context, history.Run) error, log *slog.Logger, rec history.Run,
	interval time.Duration) {
	for {
		time.Sleep(interval)
		err := finish(context.Background(), rec)
		if err == nil {
			log.Info("recorded the end of a run after all", slog.Int64(keyRunID, rec.ID))
			return
		}
		if errors.Is(err, history.ErrClosed) || errors.Is(err, history.ErrNotFound) || strings.Contains(err.Error(), "run is already ") {
			return
		}
	}
}
