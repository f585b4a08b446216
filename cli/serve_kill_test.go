package cli_test

import (
	"bufio"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestServeInterruptedAfterKill(t *testing.T) {
	_, url, conn := serveEmulator(t)
	dir := serveDir(t)
	jobs := writeServeJobs(t, dir, `
sora: {url: "{{url}}"}
jobs:
  - name: long
    schedule: "@every 1s"
    script: scripts/sleep.lua
    args: {seconds: 600}
`, url, conn)
	state := filepath.Join(dir, "state.db")
	cmd := mainCommand(t, []string{"serve", "-c", jobs, "--listen", "127.0.0.1:0", "--state", state, "--log-level", "debug"})
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	// Wait for the first run to start (its log line), then kill -9.
	started := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stderr)
		once := false
		for sc.Scan() {
			if !once && strings.Contains(sc.Text(), `msg="run started" job=long`) {
				once = true
				close(started)
			}
		}
	}()
	select {
	case <-started:
	case <-time.After(15 * time.Second):
		t.Fatal("the helper serve never started the job")
	}
	// The run's history row is committed before "run started" is logged.
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	killed := time.Now()

	// A new serve on the same state marks the run interrupted and runs the
	// job again, once: no catching up with the runs missed while down.
	time.Sleep(1500 * time.Millisecond) // down for a tick or more
	restarting := time.Now()
	s := startServe(t, "-c", jobs, "--listen", "127.0.0.1:0", "--state", state, "--shutdown-timeout", "1s")
	if !strings.Contains(s.stderr.String(), "marked interrupted") || !strings.Contains(s.stderr.String(), "count=1") {
		t.Errorf("no log of the interrupted run:\n%s", s.stderr.String())
	}
	s.waitRun("long", "running")
	time.Sleep(2500 * time.Millisecond) // a second run, if wrongly started, would show
	runs := s.runs("long")
	var interrupted, started2 int
	var lost time.Time // the scheduled time of the interrupted run
	for _, r := range runs {
		if r.Outcome == "interrupted" && r.Scheduled != nil {
			lost = *r.Scheduled
		}
	}
	for _, r := range runs {
		// The records the new serve made (the killed one's have an
		// earlier start).
		fresh := r.Start != nil && !r.Start.Before(restarting)
		switch {
		case r.Outcome == "interrupted":
			interrupted++
			if !strings.Contains(r.Error, "process exited") {
				t.Errorf("interrupted run error = %q", r.Error)
			}
		case r.Outcome == "running":
			started2++
			// The latest tick due when the new serve started (at most 1 s
			// before), not one missed while it was down.
			if r.Scheduled == nil || r.Scheduled.Before(restarting.Add(-time.Second)) {
				t.Errorf("run %d scheduled %v, before the restart at %s", r.ID, r.Scheduled, restarting)
			}
		case r.Outcome == "skipped":
			if fresh && r.Scheduled.Before(killed) {
				t.Errorf("a missed run was caught up: %+v", r)
			}
		case r.Outcome == "missed":
			// The ticks due while no serve ran, but the latest, are
			// recorded missed (catch_up: latest); the slower the restart,
			// the more of them.
			if !fresh || r.Scheduled == nil || !r.Scheduled.After(lost) || !strings.Contains(r.Error, "catch_up latest") {
				t.Errorf("unexpected missed run %+v (interrupted run scheduled %s)", r, lost)
			}
		default:
			t.Errorf("unexpected run %+v", r)
		}
	}
	if interrupted != 1 || started2 != 1 {
		t.Errorf("interrupted %d, running %d; want 1 and 1: %+v", interrupted, started2, runs)
	}
}
