//go:build unix

package cli

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
)

// The interactive REPL is tested in a pseudo-terminal: the test binary
// re-executes itself as soracron (TestMain, childEnv) with the terminal as
// its stdin, stdout and stderr, and the test types as a user would.

// childEnv makes the test binary run soracron instead of the tests.
const childEnv = "SORACRON_TEST_AS_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		os.Exit(Main(os.Args[1:], Stdio()))
	}
	os.Exit(m.Run())
}

// ptyTerm is the user's side of a pseudo-terminal running soracron.
type ptyTerm struct {
	t    *testing.T
	pty  *os.File
	cmd  *exec.Cmd
	mu   sync.Mutex
	out  bytes.Buffer // everything the program wrote
	seen int          // out up to here was matched by expect
	done chan struct{}
}

func startTerm(t *testing.T, args ...string) *ptyTerm {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	home := t.TempDir()
	cmd.Env = append(os.Environ(), childEnv+"=1", "HOME="+home, "XDG_CACHE_HOME="+home, "TERM=xterm", "SORA_URL=")
	f, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 40, Cols: 120})
	if err != nil {
		t.Fatal(err)
	}
	tm := &ptyTerm{t: t, pty: f, cmd: cmd, done: make(chan struct{})}
	go func() {
		defer close(tm.done)
		buf := make([]byte, 4096)
		for {
			n, err := f.Read(buf)
			// Answer the terminal's cursor position queries as a
			// terminal would (readline asks at every prompt).
			for range bytes.Count(buf[:n], []byte("\x1b[6n")) {
				_, _ = f.WriteString("\x1b[1;1R")
			}
			tm.mu.Lock()
			tm.out.Write(buf[:n])
			tm.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = f.Close()
		<-tm.done
	})
	return tm
}

// typ sends keys to the program.
func (tm *ptyTerm) typ(keys string) {
	tm.t.Helper()
	if _, err := tm.pty.WriteString(keys); err != nil {
		tm.t.Fatal(err)
	}
}

// expect waits until the program has written want after what was matched
// before.
func (tm *ptyTerm) expect(want string) {
	tm.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		tm.mu.Lock()
		rest := tm.out.String()[tm.seen:]
		if i := strings.Index(rest, want); i >= 0 {
			tm.seen += i + len(want)
			tm.mu.Unlock()
			return
		}
		tm.mu.Unlock()
		time.Sleep(10 * time.Millisecond)
	}
	tm.mu.Lock()
	defer tm.mu.Unlock()
	tm.t.Fatalf("no %q in the terminal after 15s; it shows:\n%q", want, tm.out.String()[tm.seen:])
}

// shows reports whether the program writes want, after what expect
// matched, within d; it matches nothing.
func (tm *ptyTerm) shows(want string, d time.Duration) bool {
	for deadline := time.Now().Add(d); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		tm.mu.Lock()
		found := strings.Contains(tm.out.String()[tm.seen:], want)
		tm.mu.Unlock()
		if found {
			return true
		}
	}
	return false
}

func TestReplTerminal(t *testing.T) {
	tm := startTerm(t, "repl", "--emulator")
	tm.expect("Tab completes, Ctrl-D exits.")
	tm.expect("> ")

	// type and run
	tm.typ("1 + 1\r")
	tm.expect("2\r\n")
	tm.expect("> ")

	// complete a module member, then run it
	tm.typ("json.enc\t")
	tm.expect("json.encode")
	tm.typ("({a = 1})\r")
	tm.expect(`{\"a\":1}`)
	tm.expect("> ")

	// complete a global
	tm.typ("stri\t")
	tm.expect("string")
	tm.typ("\x15") // Ctrl-U clears the line
	tm.typ("#sora.list(\"sora\")\r")
	tm.expect("5\r\n")
	tm.expect("> ")

	// a multi-line input, and Ctrl-C dropping it
	tm.typ("function f()\r")
	tm.expect(">> ")
	tm.typ("\x03")
	tm.expect("> ")
	tm.typ("f\r")
	tm.expect("nil")
	tm.expect("> ")

	// Ctrl-C stops a running statement; the session goes on
	tm.typ("n = 41\r")
	tm.expect("> ")
	tm.typ("while true do end\r")
	// A Ctrl-C that comes before the statement starts (the terminal still
	// in raw mode, or the line not yet handed over) finds nothing to
	// stop: press it again until the statement stops.
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); {
		time.Sleep(200 * time.Millisecond) // most often enough for it to start
		tm.typ("\x03")
		if tm.shows("interrupted", 2*time.Second) {
			break
		}
	}
	tm.expect("interrupted")
	tm.expect("> ")
	tm.typ("n + 1\r")
	tm.expect("42")
	tm.expect("> ")

	// Ctrl-D exits with status 0
	tm.typ("\x04")
	errc := make(chan error, 1)
	go func() { errc <- tm.cmd.Wait() }()
	select {
	case err := <-errc:
		var ee *exec.ExitError
		if errors.As(err, &ee) || err != nil {
			t.Fatalf("exit: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("Ctrl-D did not end the REPL")
	}
}
