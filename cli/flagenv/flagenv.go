package flagenv

import (
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/soracron/soracron/cli/exitcode"
)

// Prefix starts the names of the environment variables that set flags:
// --request-timeout is SORACRON_REQUEST_TIMEOUT.
const Prefix = "SORACRON_"

// envAnnotation marks a flag whose usage already names its variable.
const envAnnotation = "soracron_env"

// Name returns the environment variable that sets the flag name: Prefix,
// then the name in upper case with dashes as underscores.
func Name(flag string) string {
	return Prefix + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// Binder sets flags from the environment, for every command of a tree.
// Precedence: a flag on the command line wins over its variable, which wins
// over jobs.yaml and the flag's default. A flag set from its variable counts
// as given (pflag's Changed), so code that lets given flags override
// jobs.yaml treats both alike.
type Binder struct {
	getenv func(string) string
	// fromEnv maps the flags set from the environment to their variables,
	// so that errors about such a flag can name the variable.
	fromEnv map[string]string
}

// noEnv lists flags no variable sets.
func noEnv(name string) bool { return name == "help" || name == "version" }

// New returns a binder that reads the environment with getenv.
func New(getenv func(string) string) *Binder {
	return &Binder{getenv: getenv, fromEnv: map[string]string{}}
}

// Bind walks the tree under root: every flag's usage gets " [$VAR]", and
// every command applies the environment after parsing its command line,
// before its arguments are validated (so a variable can stand in for a flag
// that decides which arguments are valid, such as run's --job). Commands
// added to the tree later must be added before bind.
func (b *Binder) Bind(root *cobra.Command) {
	var walk func(*cobra.Command)
	walk = func(c *cobra.Command) {
		for _, fs := range []*pflag.FlagSet{c.Flags(), c.PersistentFlags()} {
			fs.VisitAll(annotateEnv)
		}
		// The root command with no Args of its own reports unknown
		// subcommands; giving it a validator would lose that.
		if c.HasParent() || c.Args != nil {
			validate := c.Args
			c.Args = func(cmd *cobra.Command, args []string) error {
				if err := b.apply(cmd); err != nil {
					return exitcode.UsageError(err)
				}
				if validate == nil {
					return nil
				}
				return validate(cmd, args)
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// annotateEnv adds the flag's variable to its usage, once.
func annotateEnv(f *pflag.Flag) {
	if noEnv(f.Name) || f.Annotations[envAnnotation] != nil {
		return
	}
	if f.Annotations == nil {
		f.Annotations = map[string][]string{}
	}
	name := Name(f.Name)
	f.Annotations[envAnnotation] = []string{name}
	f.Usage += " [$" + name + "]"
}

// apply sets every flag of cmd that the command line did not give from its
// variable, if that is set and not empty. All invalid values are reported
// at once, each naming its variable.
func (b *Binder) apply(cmd *cobra.Command) error {
	var errs []string
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if f.Changed || noEnv(f.Name) {
			return
		}
		name := Name(f.Name)
		v := b.getenv(name)
		if v == "" {
			return
		}
		if err := setFromEnv(f, v); err != nil {
			errs = append(errs, fmt.Sprintf("environment variable %s: invalid value for --%s (%s): %v", name, f.Name, f.Value.Type(), err))
			return
		}
		f.Changed = true
		b.fromEnv[f.Name] = name
	})
	if len(errs) > 0 {
		sort.Strings(errs)
		return fmt.Errorf("%s", strings.Join(errs, "\nsoracron: "))
	}
	return nil
}

// setFromEnv sets one flag from a variable's value. Repeatable flags take
// one value per line; a flag whose value is optional (--emulator) takes
// "true" as the flag given bare.
func setFromEnv(f *pflag.Flag, v string) error {
	if strings.HasSuffix(f.Value.Type(), "Array") {
		for _, line := range strings.Split(v, "\n") {
			if line = strings.TrimSpace(line); line == "" {
				continue
			}
			if err := f.Value.Set(line); err != nil {
				return err
			}
		}
		return nil
	}
	if v == "true" && f.NoOptDefVal != "" {
		v = f.NoOptDefVal
	}
	return f.Value.Set(strings.TrimSpace(v))
}

// Explain adds, to an error about a flag that was set from the
// environment, which variable set it.
func (b *Binder) Explain(err error) error {
	if msg := b.explainMsg(err.Error()); msg != err.Error() {
		return &explainedError{msg: msg, err: err}
	}
	return err
}

// explainedError is an error with a better message.
type explainedError struct {
	msg string
	err error
}

func (e *explainedError) Error() string { return e.msg }
func (e *explainedError) Unwrap() error { return e.err }

func (b *Binder) explainMsg(msg string) string {
	names := make([]string, 0, len(b.fromEnv))
	for flag := range b.fromEnv {
		names = append(names, flag)
	}
	sort.Strings(names)
	for _, flag := range names {
		if containsFlag(msg, "--"+flag) {
			return msg + " (--" + flag + " was set by the environment variable " + b.fromEnv[flag] + ")"
		}
	}
	return msg
}

// containsFlag reports whether msg names the flag, not merely a longer flag
// that starts with the same name.
func containsFlag(msg, flag string) bool {
	for i := 0; ; {
		j := strings.Index(msg[i:], flag)
		if j < 0 {
			return false
		}
		end := i + j + len(flag)
		if end == len(msg) || !(msg[end] == '-' || msg[end] >= 'a' && msg[end] <= 'z') {
			return true
		}
		i = end
	}
}
