package cli

import (
	"time"

	"github.com/spf13/cobra"

	"github.com/soracron/soracron/cli/daemonclient"
)

func newJobsCmd(app *App) *cobra.Command {
	var f clientFlags
	cmd := &cobra.Command{
		Use:   "jobs [--server URL]",
		Short: "List the jobs of a running serve: schedule, suspended, active, last and next runs",
		Long: `List the jobs of a running serve (GET /api/jobs), like kubectl get cronjob:

  NAME  SCHEDULE  SUSPENDED  ACTIVE  LAST SCHEDULE  LAST SUCCESS  NEXT

ACTIVE is the number of runs in progress, LAST SCHEDULE how long ago the
newest run started, LAST SUCCESS how long ago the newest ok run ended, NEXT
when the next scheduled run is due. -o json prints the API's objects.
The token comes from --token-file or $SORACRON_TOKEN.`,
		Example: `  soracron jobs
  soracron jobs --server http://10.0.0.5:8080 --token-file /etc/soracron/api-token -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := newAPIClient(app, &f)
			if err != nil {
				return err
			}
			jobs, err := c.Jobs(cmd.Context())
			if err != nil {
				return daemonclient.WithExitCode(err)
			}
			if f.output == "json" {
				return daemonclient.WriteJSON(app.Stdout, jobs)
			}
			return daemonclient.JobsTable(app.Stdout, jobs, time.Now())
		},
	}
	f.register(cmd.Flags())
	return cmd
}
