package cli

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/soracron/soracron/scheduler/api"
	"github.com/soracron/soracron/scheduler/history"
)

type triggerFlags struct {
	client   clientFlags
	args     []string
	argsJSON string
	dryRun   bool
	wait     bool
}

func newTriggerCmd(app *App) *cobra.Command {
	var f triggerFlags
	cmd := &cobra.Command{
		Use:   "trigger JOB [--arg KEY=VALUE ...] [--args-json JSON] [--dry-run] [--wait]",
		Short: "Run a job of a running serve now (trigger manual)",
		Long: `Start a run of JOB now in a running serve (POST /api/jobs/JOB/run), with
the job's timeout, retries and concurrency policy. --arg and --args-json are
merged over the job's args (as in 'soracron run'); --dry-run makes this run a
dry run. Prints the run id.

--wait waits for the run to end, prints its log lines and exits with the
run's outcome, with the codes of 'soracron run': 0 ok, 1 failed, timeout,
cancelled or interrupted, 3 partial. Without --wait, 0 once the run started.
Exit 1 also when the job is running and its policy is forbid (409), 2 for an
unknown job or bad arguments.`,
		Example: `  soracron trigger mark-busy
  soracron trigger mark-busy --arg minutes=10 --dry-run --wait`,
		Args:        cobra.ExactArgs(1),
		Annotations: map[string]string{CompleteArgs: "job"},
		RunE: func(cmd *cobra.Command, args []string) error {
			return runTrigger(cmd.Context(), app, &f, args[0])
		},
	}
	fs := cmd.Flags()
	f.client.register(fs)
	fs.StringArrayVar(&f.args, "arg", nil, "script argument KEY=VALUE (a string; repeatable)")
	fs.StringVar(&f.argsJSON, "args-json", "", "script arguments as a JSON object; values keep their JSON types")
	fs.BoolVar(&f.dryRun, "dry-run", false, "make this run a dry run (no writes to Sora)")
	fs.BoolVar(&f.wait, "wait", false, "wait for the run to end and exit with its outcome")
	return cmd
}

// exitPartial is the exit code of a run whose outcome is partial.
const exitPartial = 3

func runTrigger(ctx context.Context, app *App, f *triggerFlags, job string) error {
	c, err := newAPIClient(app, &f.client)
	if err != nil {
		return err
	}
	scriptArgs, err := parseScriptArgs(f.args, f.argsJSON)
	if err != nil {
		return usageErr(err)
	}
	body := api.RunRequest{Args: scriptArgs, DryRun: f.dryRun}
	var started struct {
		RunID int64 `json:"run_id"`
	}
	if err := c.do(ctx, "POST", "/api/jobs/"+url.PathEscape(job)+"/run", body, &started); err != nil {
		return clientErr(err)
	}
	if !f.wait {
		if f.client.output == "json" {
			return writeJSONOut(app.Stdout, map[string]any{"run_id": started.RunID, "job": job})
		}
		fmt.Fprintf(app.Stdout, "run %d of %s started\n", started.RunID, job)
		return nil
	}
	fmt.Fprintf(app.Stderr, "run %d of %s started; waiting for it to end\n", started.RunID, job)
	r, err := waitRun(ctx, c, started.RunID)
	if err != nil {
		return failErr(err)
	}
	if f.client.output == "json" {
		if err := writeJSONOut(app.Stdout, r); err != nil {
			return err
		}
	} else {
		printLogLines(app.Stdout, r.Logs)
		dur := ""
		if r.DurationSeconds != nil {
			dur = ", " + time.Duration(*r.DurationSeconds*float64(time.Second)).Round(time.Millisecond).String()
		}
		fmt.Fprintf(app.Stderr, "run %d: %s%s, %d calls, %d writes\n", r.ID, r.Outcome, dur, r.Calls, r.Writes)
	}
	switch r.Outcome {
	case history.OutcomeOK:
		return nil
	case "partial":
		return &ExitError{Code: exitPartial, Err: fmt.Errorf("run %d: partial: %s", r.ID, r.Error)}
	default:
		return failErr(fmt.Errorf("run %d: %s: %s", r.ID, r.Outcome, r.Error))
	}
}

// waitRun polls run id until it has ended.
func waitRun(ctx context.Context, c *apiClient, id int64) (*api.RunInfo, error) {
	delay := 100 * time.Millisecond
	for {
		var r api.RunInfo
		if err := c.do(ctx, "GET", "/api/runs/"+strconv.FormatInt(id, 10), nil, &r); err != nil {
			return nil, err
		}
		if r.Outcome != history.OutcomeRunning {
			return &r, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(delay):
		}
		delay = min(delay*2, 2*time.Second)
	}
}
