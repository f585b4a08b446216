package attempt

import (
	"encoding/json"
	"errors"
	"log/slog"
	"time"

	"github.com/soracron/soracron/engine"
	"github.com/soracron/soracron/scheduler/history"
	"github.com/soracron/soracron/scheduler/redact"
)

// PlanMessage is the message of the log line that records a dry run's
// plan: its attribute "changes" is the list of bindings/plan.Change.
const PlanMessage = "dry-run plan"

// Row returns what the history records of an attempt that ended at end
// with res and err (as Call returned them), classified as outcome and
// errText (Classify): the outcome, the error (redacted), the counts of
// Sora calls (by action) and writes, and the return value as JSON
// (redacted). The caller sets the rest (id, job, start, logs). What the
// row keeps beside goes to logger, the run's logger: a return value that
// is no JSON (a warning), a dry run's plan (PlanMessage) and a runtime
// error's traceback.
func Row(res *engine.Result, err error, end time.Time, outcome history.Outcome, errText string, red *redact.Redactor,
	logger *slog.Logger) history.Run {
	rec := history.Run{End: end, Outcome: outcome, Error: red.String(errText)}
	if res != nil {
		for _, v := range res.Stats.Calls {
			rec.Calls += v
		}
		rec.CallsByAction = res.Stats.Calls
		rec.Writes = res.Stats.Writes
		if err == nil && res.HasValue {
			if data, jerr := json.Marshal(res.Value); jerr != nil {
				logger.Warn("the return value cannot be stored as JSON", slog.Any(keyError, jerr))
			} else {
				rec.Result = red.JSON(data)
			}
		}
	}
	if res != nil && res.Plan != nil {
		// The plan of a dry run is kept as its last log line (the
		// dashboard shows it as a diff; secrets are redacted).
		logger.Info(PlanMessage, slog.Any(keyChanges, res.Plan.Changes))
	}
	var se *engine.ScriptError
	if errors.As(err, &se) && se.Traceback != "" && se.Kind == engine.Runtime {
		logger.Error("script error", slog.String(keyError, errText), slog.String(keyTraceback, se.Traceback))
	}
	return rec
}
