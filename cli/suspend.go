package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/soracron/soracron/cli/daemonclient"
)

func newSuspendCmd(app *App) *cobra.Command {
	return newSuspensionCmd(app, "suspend", `Suspend the schedule of JOB in a running serve (POST /api/jobs/JOB/suspend):
its scheduled ticks start nothing and are not recorded until 'soracron resume
JOB'. The suspension is kept in the state database (it survives restarts and
SIGHUP); in cluster mode it is kept in etcd and applies to every replica,
whichever one is asked. Manual runs still start. Suspending a suspended job
does nothing.`)
}

// newSuspensionCmd is suspend or resume.
func newSuspensionCmd(app *App, verb, long string) *cobra.Command {
	var f clientFlags
	cmd := &cobra.Command{
		Use:         verb + " JOB",
		Short:       map[string]string{"suspend": "Suspend a job's schedule in a running serve", "resume": "Resume a suspended job in a running serve"}[verb],
		Long:        long,
		Example:     "  soracron " + verb + " mark-busy",
		Args:        cobra.ExactArgs(1),
		Annotations: map[string]string{CompleteArgs: "job"},
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := newAPIClient(app, &f)
			if err != nil {
				return err
			}
			j, err := c.Suspension(cmd.Context(), args[0], verb)
			if err != nil {
				return daemonclient.WithExitCode(err)
			}
			if f.output == "json" {
				return daemonclient.WriteJSON(app.Stdout, j)
			}
			fmt.Fprintf(app.Stdout, "job %s %s\n", j.Name, map[string]string{"suspend": "suspended", "resume": "resumed"}[verb])
			return nil
		},
	}
	f.register(cmd.Flags())
	return cmd
}
