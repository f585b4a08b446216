package cli

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/soracron/soracron/cli/plural"
	"github.com/soracron/soracron/engine"
	"github.com/soracron/soracron/jobs"
	"github.com/soracron/soracron/lint"
)

// checkRuns is how many next runs check shows per job.
const checkRuns = 3

// checkHorizon is how far ahead check looks for DST transitions.
const checkHorizon = 365 * 24 * time.Hour

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

	n, lintWarnings, err := compileScripts(app.Stderr, cfg)
	if err != nil {
		return failErr(err)
	}
	if n > 0 {
		return usageErr(fmt.Errorf("%s is invalid: %s", f.config, countOf(n, "script error")))
	}

	warnings, disabled := 0, 0
	w := app.Stdout
	for i, j := range cfg.Jobs {
		if i > 0 {
			fmt.Fprintln(w)
		}
		var tags []string
		if !j.Enabled {
			tags = append(tags, "disabled")
			disabled++
		}
		if j.DryRun {
			tags = append(tags, "dry run")
		}
		fmt.Fprintf(w, "job %s", j.Name)
		if len(tags) > 0 {
			fmt.Fprintf(w, " (%s)", strings.Join(tags, ", "))
		}
		if j.HasSchedule() {
			fmt.Fprintf(w, "\n  schedule  %s (%s)\n", j.ScheduleSpec, j.Location)
		} else {
			fmt.Fprintf(w, "\n  schedule  none: runs on events only\n")
		}
		for _, t := range j.On {
			fmt.Fprintf(w, "  on        %s\n", t)
		}
		fmt.Fprintf(w, "  script    %s\n", j.ScriptRel)
		if !j.Enabled {
			fmt.Fprintf(w, "  next      never: the job is disabled\n")
			continue
		}
		if !j.HasSchedule() {
			continue
		}
		runs := j.NextRuns(from, checkRuns)
		if len(runs) == 0 {
			fmt.Fprintf(w, "  next      none within five years\n")
		}
		for k, r := range runs {
			label := ""
			if k == 0 {
				label = "next"
			}
			fmt.Fprintf(w, "  %-8s  %s\n", label, r.Format("Mon 2006-01-02 15:04:05 MST"))
		}
		for _, msg := range jobs.DSTWarnings(j, from, checkHorizon) {
			fmt.Fprintf(w, "  warning   %s\n", msg)
			warnings++
		}
	}
	fmt.Fprintf(w, "\n%s is valid: %s", f.config, countOf(len(cfg.Jobs), "job"))
	if disabled > 0 {
		fmt.Fprintf(w, " (%d disabled)", disabled)
	}
	if warnings > 0 {
		fmt.Fprintf(w, ", %s", countOf(warnings, "DST warning"))
	}
	if lintWarnings > 0 {
		fmt.Fprintf(w, ", %s (on stderr)", countOf(lintWarnings, "script warning"))
	}
	fmt.Fprintln(w)
	return nil
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

// compileScripts compiles every job's script once and checks it as
// soracron lint does, writes the errors and warnings and returns how many
// there were.
func compileScripts(w io.Writer, cfg *jobs.Config) (errs, warnings int, err error) {
	checker, err := lint.New()
	if err != nil {
		return 0, 0, err
	}
	eng := engine.New(engine.Options{Logger: slog.New(slog.DiscardHandler)})
	jobsOf := map[string][]string{}
	var scripts []string
	for _, j := range cfg.Jobs {
		if jobsOf[j.Script] == nil {
			scripts = append(scripts, j.Script)
		}
		jobsOf[j.Script] = append(jobsOf[j.Script], fmt.Sprintf("%q", j.Name))
	}
	sort.Strings(scripts)
	for _, s := range scripts {
		label := "job"
		if len(jobsOf[s]) > 1 {
			label = "jobs"
		}
		label += " " + strings.Join(jobsOf[s], ", ")
		if err := eng.Compile(s); err != nil {
			fmt.Fprintf(w, "%v (%s)\n", err, label)
			errs++
			continue
		}
		ds, err := checker.CheckFile(s)
		if err != nil {
			fmt.Fprintf(w, "%s: %v (%s)\n", s, err, label)
			errs++
			continue
		}
		for _, d := range ds {
			fmt.Fprintf(w, "%s (%s)\n", d, label)
			if d.Severity == lint.Error {
				errs++
			} else {
				warnings++
			}
		}
	}
	return errs, warnings, nil
}

// countOf formats n with noun, adding an s unless n is 1.
func countOf(n int, noun string) string { return plural.Of(n, noun) }
