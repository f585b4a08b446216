package cli

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

func newManCmd(app *App) *cobra.Command {
	return &cobra.Command{
		Use:   "man DIR",
		Short: "Write man pages of every command to DIR",
		Long: `Write one man page (section 1) per command to DIR, created if missing:
soracron.1, soracron-run.1, soracron-serve.1, ... Each page lists the command's
flags with their environment variables. $SOURCE_DATE_EPOCH sets the date in the
pages (the current date otherwise).

Exit codes: 0 written; 1 could not write; 2 usage error.`,
		Example: `  soracron man ./man && man ./man/soracron-serve.1
  sudo soracron man /usr/local/share/man/man1 && man soracron-run`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := args[0]
			if dir == "" {
				return usageErr(errors.New("man: want a directory"))
			}
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return failErr(fmt.Errorf("man: %w", err))
			}
			root := cmd.Root()
			root.DisableAutoGenTag = true
			header := &doc.GenManHeader{Title: "SORACRON", Section: "1", Source: "soracron " + readBuildInfo().Version, Manual: "soracron manual"}
			if err := doc.GenManTree(root, header, dir); err != nil {
				return failErr(fmt.Errorf("man: %w", err))
			}
			fmt.Fprintf(app.Stderr, "soracron: man pages written to %s\n", dir)
			return nil
		},
	}
}
