package cli

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	luasora "github.com/soracron/soracron/bindings/sora"
	"github.com/soracron/soracron/cli/logformat"
	"github.com/soracron/soracron/cli/repl"
	"github.com/soracron/soracron/cli/soraconn"
	"github.com/soracron/soracron/engine"
)

type replFlags struct {
	sora      soraconn.Flags
	emulator  string
	logLevel  string
	allowHTTP []string
}

func newReplCmd(app *App) *cobra.Command {
	var f replFlags
	cmd := &cobra.Command{
		Use:   "repl [--sora-url URL | --emulator[=FIXTURE]]",
		Short: "Interactive Lua prompt with soracron's modules loaded",
		Long: `Start an interactive Lua prompt in the scripts' sandbox, talking to Sora at
--sora-url (else $SORA_URL) or to the built-in emulator with --emulator (the demo
channel "sora", or the fixture given as --emulator=FILE). $SORA_API_TOKEN is sent as
"Authorization: Bearer TOKEN"; --header-file FILE holds headers, one "Name: value"
a line, off the command line.

The modules (sora, json, log, time, run, strings, regexp, base64, hex, crypto, http)
are loaded into globals of the same names; args is an empty table. Tab completes
globals and module members (json.en<Tab> -> json.encode). Each input is first tried as an expression ("return
<input>"): its values are printed as indented JSON (nil as nil; values with no
JSON form by their type). Input that is not complete (an open function, table or
string) continues on the next line (prompt ">>"). Errors are printed and the
prompt stays. One Lua state lives for the whole session: globals persist, locals
last one input.

Ctrl-C cancels the running statement (or clears a pending multi-line input);
Ctrl-D exits. Line editing and history (kept in the user's cache directory,
soracron/repl_history) are on when stdin is a terminal.

When stdin is not a terminal, lines are read from it without prompts, values go
to stdout and errors to stderr.

Exit codes: 0 normal exit; 1 with stdin not a terminal, an input failed (or
the session was interrupted); 2 usage error.`,
		Example: `  soracron repl --emulator
  SORA_API_TOKEN=... soracron repl --sora-url https://sora.example.com/api/
  soracron repl --sora-url http://127.0.0.1:3000/ --header-file ~/.config/soracron/headers
  echo 'sora.list("sora")' | soracron repl --emulator`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runRepl(cmd.Context(), app, &f)
		},
	}
	fs := cmd.Flags()
	f.sora.Register(fs)
	soraconn.EmulatorFlag(fs, &f.emulator, "use the built-in emulator")
	fs.StringVar(&f.logLevel, "log-level", "info", "level of the log module's output on stderr: debug, info, warn or error")
	fs.StringArrayVar(&f.allowHTTP, "allow-http", nil, "let the http module reach HOST (host, host:port or *.domain; repeatable)")
	return cmd
}

func runRepl(ctx context.Context, app *App, f *replFlags) error {
	logger, err := logformat.New(app.Stderr, "text", f.logLevel)
	if err != nil {
		return usageErr(err)
	}
	tgt, client, err := f.sora.Connect(app.Getenv, warnTo(app), f.emulator, luasora.DefaultConcurrency)
	if err != nil {
		return err
	}
	defer tgt.Close()
	defer client.CloseIdleConnections()
	eng := engine.New(engine.Options{Client: client, Logger: logger})
	r, err := repl.New(eng, app.Stdout, app.Stderr, f.allowHTTP...)
	if err != nil {
		return failErr(err)
	}
	defer r.Close()
	if in, ok := app.Stdin.(*os.File); ok && term.IsTerminal(int(in.Fd())) {
		fmt.Fprintf(app.Stdout, "soracron repl: Sora at %s; modules %s as globals. Tab completes, Ctrl-D exits.\n",
			tgt.URL, strings.Join(engine.Modules(), ", "))
		return r.Interactive(ctx, app.Stdout, app.Stderr)
	}
	stdin := app.Stdin
	if stdin == nil {
		stdin = strings.NewReader("")
	}
	return r.Batch(ctx, stdin)
}
