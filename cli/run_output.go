package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/soracron/soracron/bindings/plan"
	luasora "github.com/soracron/soracron/bindings/sora"
	"github.com/soracron/soracron/engine"
)

// What a run writes when it ends (finishRun): the result on stdout, then on
// stderr the plan of a dry run, the emulator's state and the summary line,
// as text or, with --log-format json, as JSON log records (one object a
// line, like the script's logs); --plan-json and --summary-json write JSON
// documents to a file or stdout.

// stdoutName is the file name that means stdout in --plan-json and
// --summary-json.
const stdoutName = "-"

// checkOutputs refuses outputs that would mix on stdout.
func (f *runFlags) checkOutputs() error {
	if f.planJSON == stdoutName && f.summaryJSON == stdoutName {
		return usageErr(errors.New("--plan-json - and --summary-json - both write to stdout: the summary already holds the plan, drop --plan-json"))
	}
	return nil
}

// jsonLogs reports whether stderr is JSON.
func (f *runFlags) jsonLogs() bool { return strings.EqualFold(f.logFormat, "json") }

// progress is where progress bars go: stderr when it is a terminal and
// logs are text.
func (f *runFlags) progress(app *App) io.Writer {
	if app.StderrIsTerminal && !f.jsonLogs() {
		return app.Stderr
	}
	return nil
}

// runSummary is the document of --summary-json.
type runSummary struct {
	// Outcome is ok, partial, failed, timeout, interrupted or memory_limit.
	Outcome string `json:"outcome"`
	// DurationSeconds is the wall time of the run; Duration the same as text.
	DurationSeconds float64 `json:"duration_seconds"`
	Duration        string  `json:"duration"`
	// Calls counts the API calls by action; CallsTotal is their sum.
	Calls      map[string]int `json:"calls"`
	CallsTotal int            `json:"calls_total"`
	// Failures counts the failed calls; Failed describes the first ones.
	Failures int               `json:"failures"`
	Failed   []luasora.Failure `json:"failed"`
	// WriteFailures counts the writes that failed after retries, Handled
	// those the script marked handled, Gone the writes to connections no
	// longer in the channel (not failures).
	WriteFailures int `json:"write_failures"`
	Handled       int `json:"handled"`
	Gone          int `json:"gone"`
	// Connections accounts for the connections of update_all.
	Connections *luasora.ConnCounts `json:"connections,omitempty"`
	// Writes counts the writes made (planned in a dry run).
	Writes int  `json:"writes"`
	DryRun bool `json:"dry_run"`
	// Plan is the plan of a dry run.
	Plan *plan.Plan `json:"plan,omitempty"`
	// Result is what the script returned, when it returned something.
	Result any `json:"result,omitempty"`
	// Error and Traceback describe a failed run.
	Error     string `json:"error,omitempty"`
	Traceback string `json:"traceback,omitempty"`
}

// newRunSummary builds the summary of a run.
func newRunSummary(res *engine.Result, runErr error) runSummary {
	st := res.Stats
	s := runSummary{
		Outcome:         outcome(res, runErr),
		DurationSeconds: res.Duration.Seconds(),
		Duration:        res.Duration.Round(time.Millisecond).String(),
		Calls:           st.Calls,
		Failures:        st.Failures,
		Failed:          st.Failed,
		Writes:          st.Writes,
		WriteFailures:   st.WriteFailures,
		Handled:         st.Handled,
		Gone:            st.Gone,
		DryRun:          st.DryRun,
		Plan:            res.Plan,
	}
	if s.Calls == nil {
		s.Calls = map[string]int{}
	}
	if s.Failed == nil {
		s.Failed = []luasora.Failure{}
	}
	if st.Connections.Connections > 0 {
		c := st.Connections
		s.Connections = &c
	}
	for _, n := range s.Calls {
		s.CallsTotal += n
	}
	if runErr == nil && res.HasValue {
		s.Result = res.Value
	}
	if runErr != nil {
		s.Error = runErr.Error()
		var se *engine.ScriptError
		if errors.As(runErr, &se) {
			s.Traceback = se.Traceback
		}
	}
	return s
}

// outcome names how a run ended.
func outcome(res *engine.Result, err error) string {
	var se *engine.ScriptError
	switch {
	case err == nil && res.Partial():
		return "partial"
	case err == nil:
		return "ok"
	case errors.As(err, &se) && se.Kind == engine.Timeout:
		return "timeout"
	case errors.As(err, &se) && se.Kind == engine.Cancelled:
		return "interrupted"
	case errors.As(err, &se) && se.Kind == engine.MemoryLimit:
		return "memory_limit"
	}
	return "failed"
}

// writeJSONTo writes v as indented JSON to the file name, or to stdout for "-".
func writeJSONTo(app *App, name string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	data = append(data, '\n')
	if name == stdoutName {
		_, err = app.Stdout.Write(data)
		return err
	}
	return os.WriteFile(name, data, 0o644)
}

// finishRun prints the result, the plan, the emulator's state and the
// summary of a run, writes the JSON documents asked for, and maps the run's
// error to an exit code.
func finishRun(app *App, f *runFlags, logger *slog.Logger, tgt *target, res *engine.Result, runErr error) error {
	if res == nil {
		res = &engine.Result{}
	}
	if runErr == nil && res.HasValue {
		out, err := encodeResult(res.Value)
		switch {
		case err != nil:
			runErr = fmt.Errorf("return value: %w", err)
		case f.summaryJSON != stdoutName: // else the summary on stdout holds it
			_, _ = app.Stdout.Write(out)
		}
	}
	jsonLogs := f.jsonLogs()
	if f.dryRun && res.Plan != nil {
		if jsonLogs {
			logger.Info("plan", slog.Any("plan", res.Plan))
		} else {
			fmt.Fprint(app.Stderr, res.Plan.Text())
		}
		if f.planJSON != "" {
			if err := writeJSONTo(app, f.planJSON, res.Plan); err != nil && runErr == nil {
				runErr = fmt.Errorf("plan: %w", err)
			}
		}
	}
	if jsonLogs {
		if tgt.dumpJSON != nil {
			tgt.dumpJSON(logger)
		}
	} else {
		tgt.dump(app.Stderr)
	}
	sum := newRunSummary(res, runErr)
	if f.summaryJSON != "" {
		if err := writeJSONTo(app, f.summaryJSON, sum); err != nil {
			if runErr == nil {
				runErr = fmt.Errorf("summary: %w", err)
			}
			sum = newRunSummary(res, runErr)
		}
	}
	if jsonLogs {
		logSummary(logger, sum)
	} else {
		fmt.Fprintln(app.Stderr, summary(res, runErr))
	}
	if runErr == nil && res.Partial() {
		st := res.Stats
		return &ExitError{Code: ExitPartial, Err: fmt.Errorf("partial: %s failed after retries (see the warnings above); "+
			"a re-run writes only what is still missing, sora.handled(err) marks a failure handled on purpose",
			plural(st.Unhandled(), "write"))}
	}
	if runErr == nil {
		return nil
	}
	var se *engine.ScriptError
	if errors.As(runErr, &se) {
		switch se.Kind {
		case engine.Syntax:
			return usageErr(se)
		case engine.Cancelled:
			return failErr(errors.New("interrupted"))
		case engine.Timeout:
			return failErr(se)
		}
		if se.Traceback != "" {
			return failErr(&tracedError{err: se, traceback: se.Traceback})
		}
	}
	return failErr(runErr)
}

// logSummary writes the summary as one JSON log record.
func logSummary(logger *slog.Logger, s runSummary) {
	level := slog.LevelInfo
	if s.Outcome != "ok" {
		level = slog.LevelError
	}
	attrs := []slog.Attr{
		slog.String("outcome", s.Outcome),
		slog.Float64("duration", s.DurationSeconds),
		slog.Any("calls", s.Calls),
		slog.Int("calls_total", s.CallsTotal),
		slog.Int("failures", s.Failures),
		slog.Int("writes", s.Writes),
		slog.Int("write_failures", s.WriteFailures),
		slog.Int("handled", s.Handled),
		slog.Int("gone", s.Gone),
		slog.Bool("dry_run", s.DryRun),
	}
	if len(s.Failed) > 0 {
		attrs = append(attrs, slog.Any("failed", s.Failed))
	}
	if s.Connections != nil {
		attrs = append(attrs, slog.Any("connections", s.Connections))
	}
	logger.LogAttrs(context.Background(), level, "summary", attrs...)
}

// summary is the one line printed at the end of every run.
func summary(res *engine.Result, err error) string {
	return fmt.Sprintf("soracron: %s in %s: %s", outcome(res, err), res.Duration.Round(time.Millisecond), statsLine(res.Stats))
}

// tracedError is a script error with its Lua traceback, printed below it
// (or, in JSON, as the attribute traceback).
type tracedError struct {
	err       error
	traceback string
}

func (e *tracedError) Error() string { return e.err.Error() + "\n" + e.traceback }
func (e *tracedError) Unwrap() error { return e.err }

// printError writes the error a command ended with to stderr: a
// "soracron: ..." line, or a JSON log record when the command was given
// --log-format json.
func printError(app *App, err error) {
	if !app.jsonErrors {
		fmt.Fprintf(app.Stderr, "soracron: %v\n", err)
		return
	}
	attrs := []slog.Attr{}
	var te *tracedError
	if errors.As(err, &te) {
		err = te.err
		attrs = append(attrs, slog.String("traceback", te.traceback))
	}
	attrs = append([]slog.Attr{slog.String("error", err.Error())}, attrs...)
	slog.New(slog.NewJSONHandler(app.Stderr, nil)).LogAttrs(context.Background(), slog.LevelError, "soracron: "+err.Error(), attrs...)
}
