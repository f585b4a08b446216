package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/soracron/soracron/cli/daemonclient"
)

func newRunsCmd(app *App) *cobra.Command {
	var f clientFlags
	var limit int
	cmd := &cobra.Command{
		Use:   "runs [JOB] [--limit N]",
		Short: "List the recent runs of a running serve, newest first",
		Long: `List the recent runs (of JOB, or of every job) of a running serve
(GET /api/runs), newest first: ID, job, trigger, outcome, when it was
scheduled and started, its duration, Sora API calls and writes.
-o json prints the API's objects. See a run's log lines with 'soracron logs ID'.`,
		Example: `  soracron runs
  soracron runs mark-busy --limit 5 -o json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := newAPIClient(app, &f)
			if err != nil {
				return err
			}
			if limit < 1 || limit > 1000 {
				return usageErr(fmt.Errorf("--limit %d: want 1 to 1000", limit))
			}
			job := ""
			if len(args) == 1 {
				job = args[0]
			}
			runs, err := c.Runs(cmd.Context(), job, limit)
			if err != nil {
				return daemonclient.WithExitCode(err)
			}
			if f.output == "json" {
				return daemonclient.WriteJSON(app.Stdout, runs)
			}
			return daemonclient.RunsTable(app.Stdout, runs, time.Now())
		},
	}
	f.register(cmd.Flags())
	cmd.Flags().IntVar(&limit, "limit", 20, "how many runs (1 to 1000)")
	return cmd
}
