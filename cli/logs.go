package cli

import (
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/soracron/soracron/cli/daemonclient"
)

func newLogsCmd(app *App) *cobra.Command {
	var f clientFlags
	cmd := &cobra.Command{
		Use:   "logs RUN_ID",
		Short: "Print the log lines of a run of a running serve",
		Long: `Print the captured log lines of run RUN_ID (GET /api/runs/RUN_ID), one per
line: time, level, message and attributes as key=value (secrets redacted as
in the API). A failed run's error follows on stderr. -o json prints the whole
run (outcome, times, result, calls, logs).`,
		Example: `  soracron logs 42
  soracron logs 42 -o json | jq .result`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := newAPIClient(app, &f)
			if err != nil {
				return err
			}
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil || id < 1 {
				return usageErr(fmt.Errorf("run id %q: want a positive integer (see 'soracron runs')", args[0]))
			}
			r, err := c.Run(cmd.Context(), id)
			if err != nil {
				return daemonclient.WithExitCode(err)
			}
			if f.output == "json" {
				return daemonclient.WriteJSON(app.Stdout, r)
			}
			daemonclient.LogLines(app.Stdout, r.Logs)
			if r.Error != "" {
				fmt.Fprintf(app.Stderr, "run %d %s: %s\n", r.ID, r.Outcome, r.Error)
			}
			return nil
		},
	}
	f.register(cmd.Flags())
	return cmd
}
