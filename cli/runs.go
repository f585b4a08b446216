package cli

import (
	"fmt"
	"net/url"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/soracron/soracron/scheduler/api"
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
			q := url.Values{"limit": {strconv.Itoa(limit)}}
			if len(args) == 1 {
				q.Set("job", args[0])
			}
			var v struct {
				Runs []api.RunInfo `json:"runs"`
			}
			if err := c.do(cmd.Context(), "GET", "/api/runs?"+q.Encode(), nil, &v); err != nil {
				return clientErr(err)
			}
			if f.output == "json" {
				return writeJSONOut(app.Stdout, v.Runs)
			}
			now := time.Now()
			tw := tabwriter.NewWriter(app.Stdout, 0, 4, 3, ' ', 0)
			fmt.Fprintln(tw, "ID\tJOB\tTRIGGER\tOUTCOME\tSCHEDULED\tSTARTED\tDURATION\tCALLS\tWRITES")
			for _, r := range v.Runs {
				dur := "-"
				if r.DurationSeconds != nil {
					dur = (time.Duration(*r.DurationSeconds * float64(time.Second))).Round(time.Millisecond).String()
				}
				outcome := string(r.Outcome)
				if r.DryRun {
					outcome += " (dry run)"
				}
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\n", r.ID, r.Job, r.Trigger, outcome,
					agoOr(r.Scheduled, now, "-"), agoOr(r.Start, now, "-"), dur, r.Calls, r.Writes)
			}
			return tw.Flush()
		},
	}
	f.register(cmd.Flags())
	cmd.Flags().IntVar(&limit, "limit", 20, "how many runs (1 to 1000)")
	return cmd
}

// agoOr is ago with another text for nil.
func agoOr(t *time.Time, now time.Time, none string) string {
	if t == nil {
		return none
	}
	return ago(t, now) + " ago"
}
