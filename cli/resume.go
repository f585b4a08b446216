package cli

import "github.com/spf13/cobra"

func newResumeCmd(app *App) *cobra.Command {
	return newSuspensionCmd(app, "resume", `Resume JOB in a running serve (POST /api/jobs/JOB/resume): its next tick
after now runs. Resuming a job that is not suspended does nothing.`)
}
