package e2e

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/soracron/soracron/emulator"
	"github.com/soracron/soracron/scheduler/history"
)

// TestServeDiskFull runs serve as a real process with its state on a small
// tmpfs, fills the disk and checks: POST /api/jobs/{name}/run answers 503 and
// the job does not run (Sora sees no write); once space returns, runs are
// recorded again; after shutdown no run is left running.
func TestServeDiskFull(t *testing.T) {
	dir := t.TempDir()
	stateDir := filepath.Join(dir, "state")
	if err := os.Mkdir(stateDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", stateDir).CombinedOutput(); err != nil {
		t.Skipf("needs root to mount a small tmpfs: %v %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("umount", "-l", stateDir).Run() })

	e, srv, ids := startEmulator(t, emulator.Faults{}, 1)
	conn := ids[0]
	script := "local sora = require('sora')\nlocal md = assert(sora.get('sora', args.conn))\nassert(sora.put_item('sora', args.conn, 'runs', (md.runs or 0) + 1))\n"
	if err := os.WriteFile(filepath.Join(dir, "count.lua"), []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	jobsPath := filepath.Join(dir, "jobs.yaml")
	yaml := fmt.Sprintf("sora: {url: %q}\njobs:\n  - {name: count, schedule: \"0 0 1 1 *\", script: count.lua, args: {conn: %s}}\n", srv.URL, conn)
	if err := os.WriteFile(jobsPath, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(stateDir, "state.db")
	cmd, api := startServe(t, "serve", "-c", jobsPath, "--listen", "127.0.0.1:0", "--state", state)
	runs := func() int {
		md, ok := e.Metadata("sora", conn)
		if !ok {
			t.Fatal("the connection is gone")
		}
		var n int
		_, _ = fmt.Sscan(fmt.Sprint(md["runs"]), &n)
		return n
	}
	post := func() (int, string) {
		resp, err := http.Post(api+"/api/jobs/count/run", "application/json", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	waitRuns := func(want int) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for runs() < want {
			if time.Now().After(deadline) {
				t.Fatalf("Sora saw %d runs, want %d", runs(), want)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}

	if code, body := post(); code != http.StatusAccepted {
		t.Fatalf("POST run with space = %d %s", code, body)
	}
	waitRuns(1)

	filler := filepath.Join(stateDir, "filler")
	fill := func() {
		f, err := os.Create(filler)
		if err != nil {
			t.Fatal(err)
		}
		chunk := make([]byte, 64<<10)
		for {
			if _, err := f.Write(chunk); err != nil {
				if !errors.Is(err, syscall.ENOSPC) {
					t.Fatal(err)
				}
				break
			}
		}
		f.Close()
	}
	fill()
	t.Run("disk full: 503 and the job does not run", func(t *testing.T) {
		for i := range 3 {
			code, body := post()
			if code != http.StatusServiceUnavailable || !strings.Contains(body, "could not be recorded") {
				t.Fatalf("POST %d with a full disk = %d %s, want 503", i, code, body)
			}
		}
		time.Sleep(300 * time.Millisecond)
		if n := runs(); n != 1 {
			t.Fatalf("Sora saw %d runs, want 1: a run that could not be recorded ran", n)
		}
	})
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	t.Run("space back: recorded and run again", func(t *testing.T) {
		if code, body := post(); code != http.StatusAccepted {
			t.Fatalf("POST run after space returned = %d %s", code, body)
		}
		waitRuns(2)
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		rs := listRuns(t, api)
		running := 0
		for _, r := range rs {
			if r.Outcome == "running" {
				running++
			}
		}
		if running == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("runs still running: %+v", rs)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	s, err := history.Open(state, history.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if n := s.Interrupted(); n != 0 {
		t.Errorf("%d runs were left running", n)
	}
	all, err := s.List(context.Background(), "count", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 {
		t.Errorf("history has %d runs, want the 2 that ran: %+v", len(all), all)
	}
}
