package repl

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
	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/parse"

	luajson "github.com/soracron/soracron/bindings/json"
	"github.com/soracron/soracron/cli/exitcode"
	"github.com/soracron/soracron/cli/plural"
	"github.com/soracron/soracron/engine"
)

// chunkName is the chunk name of REPL input in error messages (stdin:2: ...).
const chunkName = "stdin"

// Session evaluates input in one engine session.
type Session struct {
	sess    *engine.Session
	out     io.Writer // values and print
	errOut  io.Writer // errors
	pending strings.Builder
	inputs  int // complete inputs evaluated
	failed  int // of which failed
}

// New opens the session, binds print to out and loads the modules into
// globals (sora stays nil when the engine has no client). allowHTTP are
// the hosts the http module may reach. The caller closes the session.
func New(eng *engine.Engine, out, errOut io.Writer, allowHTTP ...string) (*Session, error) {
	sess, err := eng.NewSession(engine.SessionOptions{HTTPAllow: allowHTTP})
	if err != nil {
		return nil, err
	}
	r := &Session{sess: sess, out: out, errOut: errOut}
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
func (r *Session) print(L *lua.LState) int {
	parts := make([]string, L.GetTop())
	for i := range parts {
		parts[i] = L.ToStringMeta(L.Get(i + 1)).String()
	}
	fmt.Fprintln(r.out, strings.Join(parts, "\t"))
	return 0
}

// feed takes one line of input. It returns true when the input so far is
// incomplete and needs more lines.
func (r *Session) feed(ctx context.Context, line string) bool {
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
func (r *Session) reset() { r.pending.Reset() }

// compile compiles src as an expression ("return src") if it is one, else
// as statements.
func (r *Session) compile(src string) (*lua.LFunction, error) {
	if fn, err := r.sess.Compile(chunkName, "return "+src); err == nil {
		return fn, nil
	}
	return r.sess.Compile(chunkName, src)
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
func (r *Session) fail(err error) {
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
func (r *Session) format(v lua.LValue) string {
	return r.formatIndent(v, "", 0)
}

// maxFormatDepth bounds the Lua listing of nested non-JSON tables.
const maxFormatDepth = 4

func (r *Session) formatIndent(v lua.LValue, prefix string, depth int) string {
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

// Close ends the session.
func (r *Session) Close() { r.sess.Close() }

// Batch reads lines from in (not a terminal) until EOF, without prompts.
// Values go to out, errors to errOut; it fails (exit code 1) when an input
// failed or the session was interrupted.
func (r *Session) Batch(ctx context.Context, in io.Reader) error {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	for sc.Scan() {
		if ctx.Err() != nil {
			return exitcode.Failed(errors.New("interrupted"))
		}
		r.feed(ctx, sc.Text())
	}
	if err := sc.Err(); err != nil {
		return exitcode.Failed(fmt.Errorf("stdin: %w", err))
	}
	if ctx.Err() != nil {
		return exitcode.Failed(errors.New("interrupted"))
	}
	if strings.TrimSpace(r.pending.String()) != "" {
		r.inputs++
		_, err := r.sess.Compile(chunkName, r.pending.String())
		r.fail(err)
	}
	if r.failed > 0 {
		return exitcode.Failed(fmt.Errorf("%d of %s failed", r.failed, plural.Of(r.inputs, "input")))
	}
	return nil
}

// Interactive runs the prompt on the terminal (stdout and stderr) with
// line editing and history. SIGINT cancels the running statement only;
// SIGTERM ends the session.
func (r *Session) Interactive(ctx context.Context, stdout, stderr io.Writer) error {
	rl, err := readline.NewFromConfig(&readline.Config{
		Prompt:          "> ",
		HistoryFile:     historyFile(),
		InterruptPrompt: "^C",
		EOFPrompt:       "\n",
		Stdout:          stdout,
		Stderr:          stderr,
		AutoComplete:    completer{r},
	})
	if err != nil {
		return exitcode.Failed(fmt.Errorf("terminal: %w", err))
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
			return exitcode.Failed(err)
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
