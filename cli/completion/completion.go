package completion

import (
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"gopkg.in/yaml.v3"

	"github.com/soracron/soracron/cli/flagenv"
)

// completer completes flag values and arguments; getenv reads
// $SORACRON_CONFIG, the jobs file whose job names are completed.
type completer struct {
	getenv func(string) string
}

// flagCompletion returns the completion of the flag name, on whichever
// command has it.
func (cp completer) flagCompletion(name string) (cobra.CompletionFunc, bool) {
	switch name {
	case "log-format":
		return cobra.FixedCompletions([]cobra.Completion{"text", "json"}, cobra.ShellCompDirectiveNoFileComp), true
	case "log-level":
		return cobra.FixedCompletions([]cobra.Completion{"debug", "info", "warn", "error"}, cobra.ShellCompDirectiveNoFileComp), true
	case "config", "emulator":
		return fileExt("yaml", "yml"), true
	case "job":
		return cp.completeJobs, true
	}
	return nil, false
}

// fileExt completes files with the given extensions (and directories).
func fileExt(exts ...string) cobra.CompletionFunc {
	return func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
		return exts, cobra.ShellCompDirectiveFilterFileExt
	}
}

// Lua completes script arguments with *.lua files (and directories).
func Lua(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
	return []cobra.Completion{"lua"}, cobra.ShellCompDirectiveFilterFileExt
}

// Args is the key of a command's Annotations that says what its
// positional arguments are, for shell completion: "job" (the job names of
// the jobs file of --config, $SORACRON_CONFIG or jobs.yaml) or "lua"
// (*.lua files). A command that sets ValidArgsFunction itself keeps it.
const Args = "soracron_complete_args"

// Register gives every flag flagCompletion knows its completion, on every
// command of the tree under root that has the flag, and the arguments of
// commands annotated with Args theirs. getenv reads the environment.
func Register(root *cobra.Command, getenv func(string) string) {
	cp := completer{getenv: getenv}
	var walk func(*cobra.Command)
	walk = func(c *cobra.Command) {
		for _, fs := range []*pflag.FlagSet{c.Flags(), c.PersistentFlags()} {
			fs.VisitAll(func(f *pflag.Flag) {
				if fn, ok := cp.flagCompletion(f.Name); ok {
					// An error means the flag already has one.
					_ = c.RegisterFlagCompletionFunc(f.Name, fn)
				}
			})
		}
		if c.ValidArgsFunction == nil {
			switch c.Annotations[Args] {
			case "job":
				c.ValidArgsFunction = cp.completeJobs
			case "lua":
				c.ValidArgsFunction = Lua
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// completeJobs completes the job names of the jobs file that --config (or
// its variable, or its default) names. The file is read leniently: only
// the names are needed, and ${VAR}s need not be set while typing.
func (cp completer) completeJobs(cmd *cobra.Command, args []string, prefix string) ([]cobra.Completion, cobra.ShellCompDirective) {
	path := "jobs.yaml"
	f := cmd.Flags().Lookup("config")
	if f != nil {
		path = f.Value.String()
	}
	if v := cp.getenv(flagenv.Name("config")); (f == nil || !f.Changed) && v != "" {
		path = v
	}
	if len(args) > 0 && cmd.Flags().Lookup("job") == nil {
		return nil, cobra.ShellCompDirectiveNoFileComp // JOB is the only argument
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var doc struct {
		Jobs []struct {
			Name     string `yaml:"name"`
			Schedule string `yaml:"schedule"`
		} `yaml:"jobs"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []cobra.Completion
	for _, j := range doc.Jobs {
		if j.Name != "" && strings.HasPrefix(j.Name, prefix) {
			out = append(out, cobra.CompletionWithDesc(j.Name, j.Schedule))
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}
