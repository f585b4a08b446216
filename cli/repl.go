package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"

	"github.com/ergochat/readline"
	"github.com/spf13/cobra"
	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/parse"
	"golang.org/x/term"

	luajson "github.com/soracron/soracron/bindings/json"
	luasora "github.com/soracron/soracron/bindings/sora"
	"github.com/soracron/soracron/engine"
)

// replChunk is the chunk name of REPL input in error messages (stdin:2: ...).
const replChunk = "stdin"

type replFlags struct {
	sora      soraFlags
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

The modules (sora, json, log, time, strings, regexp, base64, hex, crypto, http)
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
	f.sora.register(fs)
	emulatorFlag(fs, &f.emulator, "use the built-in emulator")
	fs.StringVar(&f.logLevel, "log-level", "info", "level of the log module's output on stderr: debug, info, warn or error")
	fs.StringArrayVar(&f.allowHTTP, "allow-http", nil, "let the http module reach HOST (host, host:port or *.domain; repeatable)")
	return cmd
}

func runRepl(ctx context.Context, app *App, f *replFlags) error {
	logger, err := newLogger(app.Stderr, "text", f.logLevel)
	if err != nil {
		return usageErr(err)
	}
	tgt, client, err := f.sora.connect(app, f.emulator, luasora.DefaultConcurrency)
	if err != nil {
		return err
	}
	defer tgt.close()
	defer client.CloseIdleConnections()
	eng := engine.New(engine.Options{Client: client, Logger: logger})
	r, err := newRepl(eng, app.Stdout, app.Stderr, f.allowHTTP...)
	if err != nil {
		return failErr(err)
	}
	defer r.sess.Close()
	if in, ok := app.Stdin.(*os.File); ok && term.IsTerminal(int(in.Fd())) {
		fmt.Fprintf(app.Stdout, "soracron repl: Sora at %s; modules %s as globals. Tab completes, Ctrl-D exits.\n",
			tgt.url, strings.Join(engine.Modules(), ", "))
		return r.interactive(ctx, app)
	}
	stdin := app.Stdin
	if stdin == nil {
		stdin = strings.NewReader("")
	}
	return r.batch(ctx, stdin)
}

// repl evaluates input in one engine session.
type repl struct {
	sess    *engine.Session
	out     io.Writer // values and print
	errOut  io.Writer // errors
	pending strings.Builder
	inputs  int // complete inputs evaluated
	failed  int // of which failed
}

// newRepl opens the session, binds print to out and loads the modules
// into globals (sora stays nil when the engine has no client).
func newRepl(eng *engine.Engine, out, errOut io.Writer, allowHTTP ...string) (*repl, error) {
	sess, err := eng.NewSession(engine.SessionOptions{HTTPAllow: allowHTTP})
	if err != nil {
		return nil, err
	}
	r := &repl{sess: sess, out: out, errOut: errOut}
	L := sess.State()
	L.SetGlobal("print", L.NewFunction(r.print))
	var b strings.Builder
	for _, m := range engine.Modules() {
		fmt.Fprintf(&b, "do local ok, m = pcall(require, %q) if ok then %s = m end end\n", m, m)
	}
	if _, err := sess.DoString(context.Background(), "(repl)", b.String()); err != nil {
		sess.Close()
		return nil, err
	}
	return r, nil
}

// print writes its arguments with tostring, separated by tabs, to out.
func (r *repl) print(L *lua.LState) int {
	parts := make([]string, L.GetTop())
	for i := range parts {
		parts[i] = L.ToStringMeta(L.Get(i + 1)).String()
	}
	fmt.Fprintln(r.out, strings.Join(parts, "\t"))
	return 0
}

// feed takes one line of input. It returns true when the input so far is
// incomplete and needs more lines.
func (r *repl) feed(ctx context.Context, line string) bool {
	if r.pending.Len() > 0 {
		r.pending.WriteByte('\n')
	}
	r.pending.WriteString(line)
	src := r.pending.String()
	if strings.TrimSpace(src) == "" {
		r.pending.Reset()
		return false
	}
	fn, err := r.compile(src)
	if err != nil && incomplete(err) {
		return true
	}
	r.pending.Reset()
	r.inputs++
	if err != nil {
		r.fail(err)
		return false
	}
	vals, err := r.sess.Call(ctx, fn)
	if err != nil {
		r.fail(err)
		return false
	}
	for _, v := range vals {
		fmt.Fprintln(r.out, r.format(v))
	}
	return false
}

// reset drops pending multi-line input.
func (r *repl) reset() { r.pending.Reset() }

// compile compiles src as an expression ("return src") if it is one, else
// as statements.
func (r *repl) compile(src string) (*lua.LFunction, error) {
	if fn, err := r.sess.Compile(replChunk, "return "+src); err == nil {
		return fn, nil
	}
	return r.sess.Compile(replChunk, src)
}

// incomplete reports whether err is a syntax error at the end of the input
// (an open block, table, call or long string), which more lines may fix.
func incomplete(err error) bool {
	var pe *parse.Error
	if !errors.As(err, &pe) || pe.Pos.Line != parse.EOF {
		return false
	}
	return !strings.Contains(pe.Message, "unterminated string")
}

// fail prints an error.
func (r *repl) fail(err error) {
	r.failed++
	var se *engine.ScriptError
	if errors.As(err, &se) && se.Kind == engine.Cancelled {
		fmt.Fprintln(r.errOut, "interrupted")
		return
	}
	fmt.Fprintf(r.errOut, "error: %v\n", err)
}

// format renders a value: indented JSON when it has a JSON form, nil as
// nil, tables with functions or other non-JSON values as a Lua listing,
// anything else with tostring.
func (r *repl) format(v lua.LValue) string {
	return r.formatIndent(v, "", 0)
}

// maxFormatDepth bounds the Lua listing of nested non-JSON tables.
const maxFormatDepth = 4

func (r *repl) formatIndent(v lua.LValue, prefix string, depth int) string {
	if v == lua.LNil {
		return "nil"
	}
	if data, err := luajson.Encode(v); err == nil {
		var buf bytes.Buffer
		if json.Indent(&buf, data, prefix, "  ") == nil {
			return buf.String()
		}
		return string(data)
	}
	t, ok := v.(*lua.LTable)
	if !ok || depth >= maxFormatDepth {
		return r.sess.State().ToStringMeta(v).String()
	}
	type field struct{ k, v string }
	var fields []field
	t.ForEach(func(k, val lua.LValue) {
		key := k.String()
		if s, ok := k.(lua.LString); !ok || !isLuaName(string(s)) {
			key = "[" + r.formatIndent(k, "", maxFormatDepth) + "]"
		}
		fields = append(fields, field{key, r.formatIndent(val, prefix+"  ", depth+1)})
	})
	if len(fields) == 0 {
		return "{}"
	}
	slices.SortFunc(fields, func(a, b field) int { return strings.Compare(a.k, b.k) })
	var b strings.Builder
	b.WriteString("{\n")
	for _, f := range fields {
		fmt.Fprintf(&b, "%s  %s = %s,\n", prefix, f.k, f.v)
	}
	b.WriteString(prefix + "}")
	return b.String()
}

// isLuaName reports whether s can be written as a bare key.
func isLuaName(s string) bool {
	for i, c := range s {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return s != ""
}

// batch reads lines from in (not a terminal) until EOF, without prompts.
func (r *repl) batch(ctx context.Context, in io.Reader) error {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	for sc.Scan() {
		if ctx.Err() != nil {
			return failErr(errors.New("interrupted"))
		}
		r.feed(ctx, sc.Text())
	}
	if err := sc.Err(); err != nil {
		return failErr(fmt.Errorf("stdin: %w", err))
	}
	if ctx.Err() != nil {
		return failErr(errors.New("interrupted"))
	}
	if strings.TrimSpace(r.pending.String()) != "" {
		r.inputs++
		_, err := r.sess.Compile(replChunk, r.pending.String())
		r.fail(err)
	}
	if r.failed > 0 {
		return failErr(fmt.Errorf("%d of %s failed", r.failed, plural(r.inputs, "input")))
	}
	return nil
}

// interactive runs the prompt on the terminal with line editing and
// history. SIGINT cancels the running statement only; SIGTERM ends the
// session.
func (r *repl) interactive(ctx context.Context, app *App) error {
	rl, err := readline.NewFromConfig(&readline.Config{
		Prompt:          "> ",
		HistoryFile:     historyFile(),
		InterruptPrompt: "^C",
		EOFPrompt:       "\n",
		Stdout:          app.Stdout,
		Stderr:          app.Stderr,
		AutoComplete:    completer{r},
	})
	if err != nil {
		return failErr(fmt.Errorf("terminal: %w", err))
	}
	defer rl.Close()
	r.out, r.errOut = rl.Stdout(), rl.Stderr()

	// The process's signal context ends at the first SIGINT; statements run
	// under a context of their own that only this session cancels.
	base := context.WithoutCancel(ctx)
	var mu sync.Mutex
	var cancelRunning context.CancelFunc
	terminated := false
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer func() {
		signal.Stop(sigs)
		close(sigs)
	}()
	go func() {
		for s := range sigs {
			mu.Lock()
			if cancelRunning != nil {
				cancelRunning()
			}
			if s == syscall.SIGTERM {
				terminated = true
				_ = rl.Close()
			}
			mu.Unlock()
		}
	}()

	for {
		line, err := rl.Readline()
		switch {
		case errors.Is(err, readline.ErrInterrupt):
			r.reset()
			rl.SetPrompt("> ")
			continue
		case errors.Is(err, io.EOF):
			return nil
		case err != nil:
			return failErr(err)
		}
		sctx, cancel := context.WithCancel(base)
		mu.Lock()
		cancelRunning = cancel
		mu.Unlock()
		more := r.feed(sctx, line)
		mu.Lock()
		cancelRunning = nil
		done := terminated
		mu.Unlock()
		cancel()
		if done {
			return nil
		}
		if more {
			rl.SetPrompt(">> ")
		} else {
			rl.SetPrompt("> ")
		}
	}
}

// historyFile is the REPL's history file in the user's cache directory, ""
// (no history) when there is none.
func historyFile() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	dir = filepath.Join(dir, "soracron")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return ""
	}
	return filepath.Join(dir, "repl_history")
}
