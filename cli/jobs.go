package cli

import (
	"fmt"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/soracron/soracron/scheduler/api"
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
			var v struct {
				Jobs []api.JobStatus `json:"jobs"`
			}
			if err := c.do(cmd.Context(), "GET", "/api/jobs", nil, &v); err != nil {
				return clientErr(err)
			}
			if f.output == "json" {
				return writeJSONOut(app.Stdout, v.Jobs)
			}
			now := time.Now()
			tw := tabwriter.NewWriter(app.Stdout, 0, 4, 3, ' ', 0)
			fmt.Fprintln(tw, "NAME\tSCHEDULE\tSUSPENDED\tACTIVE\tLAST SCHEDULE\tLAST SUCCESS\tNEXT")
			for _, j := range v.Jobs {
				var last *time.Time
				if j.LastRun != nil {
					last = j.LastRun.Start
				}
				sched := j.Schedule
				if sched == "" {
					sched = "<none>"
				}
				if !j.Enabled {
					sched += " (disabled)"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\n", j.Name, sched, strconv.FormatBool(j.Suspended),
					j.Running, ago(last, now), ago(j.LastSuccess, now), until(j.NextRun, now))
			}
			return tw.Flush()
		},
	}
	f.register(cmd.Flags())
	return cmd
}
