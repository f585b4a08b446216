package history

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "soracron.db")
	first, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	names := stateAliases(t, path)
	for _, tt := range names {
		t.Run(tt.name, func(t *testing.T) {
			if tt.dir != "" {
				t.Chdir(tt.dir)
			}
			s, err := Open(tt.path, Options{})
			if err == nil {
				s.Close()
				t.Fatal("second Open succeeded while the first holds the lock")
			}
			if !errors.Is(err, ErrLocked) {
				t.Fatalf("err = %v, want ErrLocked", err)
			}
			var le *LockedError
			if !errors.As(err, &le) || le.PID != os.Getpid() {
				t.Fatalf("err = %#v, want *LockedError with our pid %d", err, os.Getpid())
			}
			want := fmt.Sprintf("state %s is locked by another soracron serve (pid %d)", tt.path, os.Getpid())
			if err.Error() != want {
				t.Errorf("message = %q, want %q", err.Error(), want)
			}
		})
	}
	t.Run("free after Close", func(t *testing.T) {
		id := runOnce(t, first, "a", OutcomeOK)
		if err := first.Close(); err != nil {
			t.Fatal(err)
		}
		s := openStore(t, path, Options{})
		if _, err := s.Get(context.Background(), id); err != nil {
			t.Errorf("Get after reopen: %v", err)
		}
	})
}

// crashEnv makes the test binary act as the crashing child of TestCrash.
const crashEnv = "SORACRON_HISTORY_CRASH_STATE"

// TestCrash runs a real process that opens the store, begins a run and is
// killed with SIGKILL, then checks that the next Open marks the run
// interrupted and that the kernel released the lock.
func TestCrash(t *testing.T) {
	if path := os.Getenv(crashEnv); path != "" {
		crashChild(path)
		return
	}
	path := filepath.Join(t.TempDir(), "soracron.db")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // only a guard against hangs
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestCrash$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashEnv+"="+path)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	defer func() {
		if !killed {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	}()

	var runID int64
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "READY "); ok {
			if runID, err = strconv.ParseInt(v, 10, 64); err != nil {
				t.Fatalf("child: %q", sc.Text())
			}
			break
		}
	}
	if runID == 0 {
		t.Fatalf("child exited before beginning a run: %v", sc.Err())
	}

	// While the child lives, the state is locked with its pid, under every
	// name of the file.
	for _, alias := range stateAliases(t, path) {
		t.Run("locked: "+alias.name, func(t *testing.T) {
			if alias.dir != "" {
				t.Chdir(alias.dir)
			}
			s, err := Open(alias.path, Options{})
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded while the child holds the lock")
			}
			var le *LockedError
			if !errors.As(err, &le) || le.PID != cmd.Process.Pid {
				t.Fatalf("Open while the child runs: err = %v, want locked by pid %d", err, cmd.Process.Pid)
			}
			if !strings.Contains(err.Error(), fmt.Sprintf("(pid %d)", cmd.Process.Pid)) {
				t.Errorf("message %q lacks the child's pid", err)
			}
		})
	}

	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	killed = true
	err = cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("child exit: %v, want killed by SIGKILL", err)
	}

	s := openStore(t, path, Options{})
	if got := s.Interrupted(); got != 1 {
		t.Errorf("Interrupted() = %d, want 1", got)
	}
	r, err := s.Get(context.Background(), runID)
	if err != nil {
		t.Fatal(err)
	}
	if r.Outcome != OutcomeInterrupted || r.End.IsZero() || r.Error != "process exited during the run" || r.Job != "crashy" {
		t.Errorf("run = %+v, want job crashy interrupted", r)
	}
	if runs, err := s.List(context.Background(), "crashy", 0); err != nil || len(runs) != 2 || runs[1].Outcome != OutcomeOK {
		t.Errorf("runs of the child = %+v, %v; want the finished one kept", runs, err)
	}
}

// crashChild opens the store, records a finished run and a running one,
// reports the running run's id and waits to be killed.
func crashChild(path string) {
	s, err := Open(path, Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		os.Exit(2)
	}
	ctx := context.Background()
	done, err := s.Begin(ctx, Run{Job: "crashy", Trigger: TriggerSchedule})
	if err == nil {
		err = s.Finish(ctx, Run{ID: done, Outcome: OutcomeOK, Logs: []LogLine{{Level: "INFO", Msg: "done"}}})
	}
	var id int64
	if err == nil {
		id, err = s.Begin(ctx, Run{Job: "crashy", Trigger: TriggerManual})
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		os.Exit(2)
	}
	fmt.Printf("READY %d\n", id)
	// Wait for SIGKILL; exit on our own only if the parent vanished.
	time.Sleep(time.Minute)
	os.Exit(3)
}

// stateAlias is another name of a state file.
type stateAlias struct {
	name string
	dir  string // working directory; "" = unchanged
	path string
}

// stateAliases makes every kind of second name of the state file path (which
// need not exist yet): the same path, a relative path, a symlink to it, a
// symlink to its directory, a hard link and, as root where mount works, a
// bind mount of its directory.
func stateAliases(t *testing.T, path string) []stateAlias {
	t.Helper()
	if f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644); err != nil {
		t.Fatal(err)
	} else {
		f.Close()
	}
	dir := filepath.Dir(path)
	other := t.TempDir()
	aliases := []stateAlias{
		{"same path", "", path},
		{"relative path", dir, filepath.Base(path)},
		{"relative path with ..", dir, filepath.Join("..", filepath.Base(dir), filepath.Base(path))},
		{"symlink to the file", "", filepath.Join(other, "link.db")},
		{"symlink to its directory", "", filepath.Join(other, "dirlink", filepath.Base(path))},
		{"hard link", "", filepath.Join(dir, "hard.db")},
	}
	if err := os.Symlink(path, aliases[3].path); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(dir, filepath.Join(other, "dirlink")); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(path, aliases[5].path); err != nil {
		t.Fatal(err)
	}
	bind := filepath.Join(other, "bind")
	if err := os.Mkdir(bind, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "--bind", dir, bind).CombinedOutput(); err != nil {
		t.Logf("bind mount not tested (needs root and mount): %v %s", err, out)
		return aliases
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", bind).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v %s", bind, err, out)
		}
	})
	return append(aliases, stateAlias{"bind mount of its directory", "", filepath.Join(bind, filepath.Base(path))})
}
