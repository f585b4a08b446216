package jobcheck

import (
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"

	"github.com/soracron/soracron/engine"
	"github.com/soracron/soracron/jobs"
	"github.com/soracron/soracron/lint"
)

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
