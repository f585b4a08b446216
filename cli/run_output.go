package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/soracron/soracron/cli/runreport"
	"github.com/soracron/soracron/cli/soraconn"
	"github.com/soracron/soracron/engine"
)

// checkOutputs refuses outputs that would mix on stdout.
func (f *runFlags) checkOutputs() error {
	if f.planJSON == runreport.Stdout && f.summaryJSON == runreport.Stdout {
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

// finishRun writes the report of a run (package runreport) and maps its
// error to an exit code.
func finishRun(app *App, f *runFlags, logger *slog.Logger, tgt *soraconn.Target, res *engine.Result, runErr error) error {
	return runreport.Finish(runreport.Options{
		Stdout: app.Stdout, Stderr: app.Stderr, Logger: logger, JSONLogs: f.jsonLogs(),
		DryRun: f.dryRun, PlanJSON: f.planJSON, SummaryJSON: f.summaryJSON,
		Dump: tgt.Dump, DumpJSON: tgt.DumpJSON,
	}, res, runErr)
}

// printError writes the error a command ended with to stderr: a
// "soracron: ..." line, or a JSON log record when the command was given
// --log-format json.
func printError(app *App, err error) {
	if !app.jsonErrors {
		fmt.Fprintf(app.Stderr, "soracron: %v\n", err)
		return
	}
	attrs := []slog.Attr{}
	var te *runreport.TracedError
	if errors.As(err, &te) {
		err = te.Err
		attrs = append(attrs, slog.String("traceback", te.Traceback))
	}
	attrs = append([]slog.Attr{slog.String("error", err.Error())}, attrs...)
	slog.New(slog.NewJSONHandler(app.Stderr, nil)).LogAttrs(context.Background(), slog.LevelError, "soracron: "+err.Error(), attrs...)
}
