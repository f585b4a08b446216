package cli

import "github.com/spf13/cobra"

// subcommands lists soracron's commands; each lives in its own file.
func subcommands(app *App) []*cobra.Command {
	return []*cobra.Command{
		newVersionCmd(app),
		newEmulatorCmd(app),
		newRunCmd(app),
		newServeCmd(app),
		newJobsCmd(app),
		newRunsCmd(app),
		newLogsCmd(app),
		newTriggerCmd(app),
		newSuspendCmd(app),
		newResumeCmd(app),
		newCheckCmd(app),
		newTestCmd(app),
		newReplCmd(app),
		newLintCmd(app),
		newLuaTypesCmd(app),
		newManCmd(app),
		newHealthcheckCmd(app),
		newChildCmd(app),
	}
}
