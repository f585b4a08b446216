package cli

import (
	"errors"
	"os"

	"github.com/spf13/cobra"

	"github.com/soracron/soracron/engine"
	"github.com/soracron/soracron/sora"
)

// childCommand is the hidden subcommand of an isolated run's child
// process: it serves one run on its stdin and stdout (engine.ServeChild).
const childCommand = "internal-run-child"

func newChildCmd(app *App) *cobra.Command {
	return &cobra.Command{
		Use:    childCommand,
		Short:  "Serve one isolated run (started by soracron itself)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if code := engine.ServeChild(cmd.Context(), app.Stdin, app.Stdout); code != 0 {
				return &ExitError{Code: code, Err: errors.New("")}
			}
			return nil
		},
	}
}

// childOptions are the engine's options for isolated runs: this binary
// with the child subcommand, and the Sora client's configuration.
func childOptions(cfg *sora.Config) engine.ChildOptions {
	exe, err := os.Executable()
	if err != nil {
		return engine.ChildOptions{}
	}
	return engine.ChildOptions{Command: []string{exe, childCommand}, Sora: cfg}
}
