package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/soracron/soracron/lint"
)

func newLintCmd(app *App) *cobra.Command {
	return &cobra.Command{
		Use:   "lint SCRIPT|DIR...",
		Short: "Check Lua scripts for unknown module members, unknown globals and syntax errors",
		Long: `Check Lua scripts statically, without running them (a directory: every .lua
file under it). Reported, each with file:line and the closest known names:

  error    a member a soracron module does not have: sora.lst, json.encod,
           log.warning = ... (the module obtained with local x = require("sora"),
           a global assigned from require, or require("sora") itself)
  error    a syntax error
  warning  a global that is read but assigned nowhere in the file and is not a
           global of the sandbox (prnt, io, a misspelt local)
  warning  a field of a standard library the sandbox leaves out (os.execute,
           string.dump) that the script does not define

soracron check runs the same checks on the scripts of jobs.yaml.

Exit codes: 0 no error (warnings allowed); 2 errors found, or usage error.`,
		Example: `  soracron lint scripts/
  soracron lint scripts/mark_busy.lua scripts/set_key.lua`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageErr(errors.New("want at least one SCRIPT.lua or directory (see 'soracron lint --help')"))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error { return runLint(app, args) },
	}
}

func runLint(app *App, args []string) error {
	files, err := luaFiles(args)
	if err != nil {
		return usageErr(err)
	}
	checker, err := lint.New()
	if err != nil {
		return failErr(err)
	}
	errs, warnings := 0, 0
	for _, f := range files {
		ds, err := checker.CheckFile(f)
		if err != nil {
			return usageErr(err)
		}
		for _, d := range ds {
			fmt.Fprintln(app.Stdout, d)
			if d.Severity == lint.Error {
				errs++
			} else {
				warnings++
			}
		}
	}
	summary := fmt.Sprintf("%s checked: %s, %s", countOf(len(files), "file"), countOf(errs, "error"), countOf(warnings, "warning"))
	if errs > 0 {
		return usageErr(errors.New(summary))
	}
	fmt.Fprintln(app.Stderr, "soracron: "+summary)
	return nil
}

// luaFiles expands directories among paths to the .lua files under them.
func luaFiles(paths []string) ([]string, error) {
	var files []string
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !fi.IsDir() {
			files = append(files, p)
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && strings.HasSuffix(path, ".lua") {
				files = append(files, path)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no .lua file in %s", strings.Join(paths, ", "))
	}
	return files, nil
}
