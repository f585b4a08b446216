package runreport

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/soracron/soracron/cli/exitcode"
	"github.com/soracron/soracron/cli/plural"
	"github.com/soracron/soracron/engine"
)

// Stdout is the file name that means stdout in --plan-json and
// --summary-json.
const Stdout = "-"

// Options say where a run's report goes.
type Options struct {
	// Stdout gets the result (unless the summary goes there); Stderr the
	// plan, the emulator's state and the summary line as text.
	Stdout, Stderr io.Writer
	// Logger is the run's logger; with JSONLogs the plan, the emulator's
	// state and the summary are records of it instead of text.
	Logger   *slog.Logger
	JSONLogs bool
	// DryRun prints the plan; PlanJSON and SummaryJSON name the files
	// (Stdout for stdout) of those JSON documents, "" for none.
	DryRun      bool
	PlanJSON    string
	SummaryJSON string
	// Dump writes the emulator's state as text, DumpJSON logs it; nil
	// when there is no emulator to show.
	Dump     func(io.Writer)
	DumpJSON func(*slog.Logger)
}

// Finish prints the result, the plan, the emulator's state and the
// summary of a run, writes the JSON documents asked for, and maps the run's
// error to an exit code (package exitcode).
func Finish(o Options, res *engine.Result, runErr error) error {
	logger := o.Logger
	if res == nil {
		res = &engine.Result{}
	}
	if runErr == nil && res.HasValue {
		out, err := encodeResult(res.Value)
		switch {
		case err != nil:
			runErr = fmt.Errorf("return value: %w", err)
		case o.SummaryJSON != Stdout: // else the summary on stdout holds it
			_, _ = o.Stdout.Write(out)
		}
	}
	jsonLogs := o.JSONLogs
	if o.DryRun && res.Plan != nil {
		if jsonLogs {
			logger.Info("plan", slog.Any("plan", res.Plan))
		} else {
			fmt.Fprint(o.Stderr, res.Plan.Text())
		}
		if o.PlanJSON != "" {
			if err := writeJSONTo(o.Stdout, o.PlanJSON, res.Plan); err != nil && runErr == nil {
				runErr = fmt.Errorf("plan: %w", err)
			}
		}
	}
	if jsonLogs {
		if o.DumpJSON != nil {
			o.DumpJSON(logger)
		}
	} else if o.Dump != nil {
		o.Dump(o.Stderr)
	}
	sum := NewSummary(res, runErr)
	if o.SummaryJSON != "" {
		if err := writeJSONTo(o.Stdout, o.SummaryJSON, sum); err != nil {
			if runErr == nil {
				runErr = fmt.Errorf("summary: %w", err)
			}
			sum = NewSummary(res, runErr)
		}
	}
	if jsonLogs {
		logSummary(logger, sum)
	} else {
		fmt.Fprintln(o.Stderr, Line(res, runErr))
	}
	if runErr == nil && res.Partial() {
		st := res.Stats
		return &exitcode.Error{Code: exitcode.Partial, Err: fmt.Errorf("partial: %s failed after retries (see the warnings above); "+
			"a re-run writes only what is still missing, sora.handled(err) marks a failure handled on purpose",
			plural.Of(st.Unhandled(), "write"))}
	}
	if runErr == nil {
		return nil
	}
	var se *engine.ScriptError
	if errors.As(runErr, &se) {
		switch se.Kind {
		case engine.Syntax:
			return exitcode.UsageError(se)
		case engine.Cancelled:
			return exitcode.Failed(errors.New("interrupted"))
		case engine.Timeout:
			return exitcode.Failed(se)
		}
		if se.Traceback != "" {
			return exitcode.Failed(&TracedError{Err: se, Traceback: se.Traceback})
		}
	}
	return exitcode.Failed(runErr)
}

// writeJSONTo writes v as indented JSON to the file name, or to stdout for "-".
func writeJSONTo(stdout io.Writer, name string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	data = append(data, '\n')
	if name == Stdout {
		_, err = stdout.Write(data)
		return err
	}
	return os.WriteFile(name, data, 0o644)
}

// encodeResult renders a script's return value as indented JSON.
func encodeResult(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// logSummary writes the summary as one JSON log record.
func logSummary(logger *slog.Logger, s Summary) {
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

// Line is the one line printed at the end of every run:
// "soracron: ok in 1.2s: 3 calls (1 list, 2 put_item), 0 failed, 2 writes".
func Line(res *engine.Result, err error) string {
	return fmt.Sprintf("soracron: %s in %s: %s", outcome(res, err), res.Duration.Round(time.Millisecond), statsLine(res.Stats))
}

// TracedError is a script error with its Lua traceback, printed below it
// (or, in JSON, as the attribute traceback).
type TracedError struct {
	Err       error
	Traceback string
}

func (e *TracedError) Error() string { return e.Err.Error() + "\n" + e.Traceback }

// Unwrap returns the script error.
func (e *TracedError) Unwrap() error { return e.Err }

// CheckWritable checks that path (of --plan-json) can be written, without
// changing an existing file and without leaving a new one behind, so that
// a bad path is refused before the script runs and makes its writes.
func CheckWritable(path string) error {
	if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file", path)
	}
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if errors.Is(err, os.ErrNotExist) {
		if f, err = os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644); err == nil {
			f.Close()
			return os.Remove(path)
		}
	}
	if err != nil {
		return err
	}
	return f.Close()
}
