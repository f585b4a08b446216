package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/soracron/soracron/cli/daemonclient"
	"github.com/soracron/soracron/cli/scriptargs"
	"github.com/soracron/soracron/scheduler/api"
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

func runTrigger(ctx context.Context, app *App, f *triggerFlags, job string) error {
	c, err := newAPIClient(app, &f.client)
	if err != nil {
		return err
	}
	scriptArgs, err := scriptargs.Parse(f.args, f.argsJSON)
	if err != nil {
		return usageErr(err)
	}
	id, err := c.Start(ctx, job, api.RunRequest{Args: scriptArgs, DryRun: f.dryRun})
	if err != nil {
		return daemonclient.WithExitCode(err)
	}
	if !f.wait {
		if f.client.output == "json" {
			return daemonclient.WriteJSON(app.Stdout, map[string]any{"run_id": id, "job": job})
		}
		fmt.Fprintf(app.Stdout, "run %d of %s started\n", id, job)
		return nil
	}
	fmt.Fprintf(app.Stderr, "run %d of %s started; waiting for it to end\n", id, job)
	r, err := c.Wait(ctx, id)
	if err != nil {
		return failErr(err)
	}
	if err := daemonclient.Finished(app.Stdout, app.Stderr, r, f.client.output == "json"); err != nil {
		return err
	}
	return daemonclient.Outcome(r)
}
