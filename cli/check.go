package cli

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/soracron/soracron/cli/jobcheck"
	"github.com/soracron/soracron/cli/plural"
	"github.com/soracron/soracron/jobs"
)

type checkFlags struct {
	config string
	from   string
}

func newCheckCmd(app *App) *cobra.Command {
	var f checkFlags
	cmd := &cobra.Command{
		Use:   "check [-c jobs.yaml]",
		Short: "Validate jobs.yaml and its scripts, and show when every job runs next",
		Long: `Validate a jobs file without running anything: every key, type, schedule,
time zone and ${VAR} of jobs.yaml (all problems are reported, with file:line and
job), then compile every script (syntax errors with file:line).

For each job it prints the next three run times in the job's time zone, and
warns when a daylight-saving transition within the next year skips a run (the
scheduled wall-clock time does not exist that day) or runs it twice (the time
occurs twice).

${VAR} references are read from the environment; an empty variable counts as
unset. The file may also be given as the only argument.

Exit codes: 0 valid; 2 invalid (configuration or script errors, missing file).`,
		Example: `  soracron check
  soracron check -c /etc/soracron/jobs.yaml
  soracron check --from 2025-03-01T00:00:00Z jobs.yaml`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				if cmd.Flags().Changed("config") && args[0] != f.config {
					return usageErr(errors.New("give the jobs file either as an argument or with -c, not both"))
				}
				f.config = args[0]
			}
			return runCheck(app, &f)
		},
	}
	fs := cmd.Flags()
	fs.StringVarP(&f.config, "config", "c", "jobs.yaml", "jobs file to check")
	fs.StringVar(&f.from, "from", "", "show the runs after this time (RFC 3339) instead of after now")
	return cmd
}

func runCheck(app *App, f *checkFlags) error {
	from := time.Now()
	if f.from != "" {
		t, err := time.Parse(time.RFC3339, f.from)
		if err != nil {
			return usageErr(fmt.Errorf("--from %q: want an RFC 3339 time such as 2025-03-01T09:00:00+09:00", f.from))
		}
		from = t
	}
	cfg, err := loadJobs(app, f.config)
	if err != nil {
		return err
	}
	return jobcheck.Report(app.Stdout, app.Stderr, cfg, f.config, from)
}

// printConfigErrors writes one line per problem of a Load error and
// returns how many there were.
func printConfigErrors(w io.Writer, err error) int {
	ces := jobs.ConfigErrors(err)
	if len(ces) == 0 {
		fmt.Fprintln(w, err)
		return 1
	}
	for _, ce := range ces {
		fmt.Fprintln(w, ce)
	}
	return len(ces)
}

// countOf formats n with noun, adding an s unless n is 1.
func countOf(n int, noun string) string { return plural.Of(n, noun) }
