// Package compile checks the scripts of a configuration when the daemon
// (package scheduler) loads or reloads it: a configuration whose scripts do
// not compile is refused, and the one in use is kept. With a Loader the
// compiled chunks are kept too, so that every run of a job (scheduled,
// manual, event, retry) runs what the last successful load or reload
// compiled, whatever the file holds at the time of the run.
package compile

import (
	"errors"
	"fmt"

	"github.com/soracron/soracron/engine"
	"github.com/soracron/soracron/jobs"
)

// Compiler is implemented by runners that can check a script without
// running it (*engine.Engine).
type Compiler interface {
	Compile(path string) error
}

// Loader is implemented by runners that compile a script once and run the
// compiled chunk later (*engine.Engine); a runner that is both is used as a
// Loader.
type Loader interface {
	Load(path string) (*engine.Script, error)
}

// All compiles the script of every job of cfg, enabled or not (a disabled
// job can still be run on demand), with r when it is a Loader or a
// Compiler (and does nothing otherwise). When r is a Loader it returns the
// compiled scripts by path, to be pinned (nil otherwise).
func All(r any, cfg *jobs.Config) (map[string]*engine.Script, error) {
	ld, isLoader := r.(Loader)
	c, isCompiler := r.(Compiler)
	if !isLoader && !isCompiler {
		return nil, nil
	}
	var errs []error
	var scripts map[string]*engine.Script
	if isLoader {
		scripts = make(map[string]*engine.Script, len(cfg.Jobs))
	}
	seen := map[string]bool{}
	for _, j := range cfg.Jobs {
		if seen[j.Script] {
			continue
		}
		seen[j.Script] = true
		var err error
		if isLoader {
			var sc *engine.Script
			if sc, err = ld.Load(j.Script); err == nil {
				scripts[j.Script] = sc
			}
		} else {
			err = c.Compile(j.Script)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("job %q: %w", j.Name, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return scripts, nil
}
