package jobcheck

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/soracron/soracron/cli/exitcode"
	"github.com/soracron/soracron/cli/plural"
	"github.com/soracron/soracron/jobs"
	"github.com/soracron/soracron/jobs/schedule"
)

// checkRuns is how many next runs check shows per job.
const checkRuns = 3

// checkHorizon is how far ahead check looks for DST transitions.
const checkHorizon = 365 * 24 * time.Hour

// Report compiles and lints the scripts of cfg (loaded from path), writing
// their errors and warnings to stderr, then writes to stdout, for each
// job, its schedule, triggers, script, next runs after from (in the job's
// time zone) and the daylight-saving transitions of the next year that
// skip or repeat a run, and a last line: valid, with the counts of jobs
// and warnings. Script errors make it a usage error.
func Report(stdout, stderr io.Writer, cfg *jobs.Config, path string, from time.Time) error {
	n, lintWarnings, err := compileScripts(stderr, cfg)
	if err != nil {
		return exitcode.Failed(err)
	}
	if n > 0 {
		return exitcode.UsageError(fmt.Errorf("%s is invalid: %s", path, plural.Of(n, "script error")))
	}

	warnings, disabled := 0, 0
	w := stdout
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
		for _, msg := range schedule.DSTWarnings(j.Schedule, j.Location, from, checkHorizon) {
			fmt.Fprintf(w, "  warning   %s\n", msg)
			warnings++
		}
	}
	fmt.Fprintf(w, "\n%s is valid: %s", path, plural.Of(len(cfg.Jobs), "job"))
	if disabled > 0 {
		fmt.Fprintf(w, " (%d disabled)", disabled)
	}
	if warnings > 0 {
		fmt.Fprintf(w, ", %s", plural.Of(warnings, "DST warning"))
	}
	if lintWarnings > 0 {
		fmt.Fprintf(w, ", %s (on stderr)", plural.Of(lintWarnings, "script warning"))
	}
	fmt.Fprintln(w)
	return nil
}
