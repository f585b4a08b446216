package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/soracron/soracron/cli"
	"github.com/soracron/soracron/emulator"
	"github.com/soracron/soracron/scheduler/history"
)

// serveArgsEnv carries the arguments of `soracron serve` to the helper
// process (this test binary, re-executed).
const serveArgsEnv = "SORACRON_E2E_SERVE_ARGS"

// TestServeProcess is not a test: it is the `soracron serve` process that
// TestKillServeKeepsHistory kills.
func TestServeProcess(t *testing.T) {
	raw := os.Getenv(serveArgsEnv)
	if raw == "" {
		t.Skip("helper process only")
	}
	var args []string
	if err := json.Unmarshal([]byte(raw), &args); err != nil {
		t.Fatal(err)
	}
	os.Exit(cli.Main(args, cli.Stdio()))
}

var listeningRE = regexp.MustCompile(`msg="http api listening" addr=(\S+)`)

// apiRun is a run as GET /api/runs shows it.
type apiRun struct {
	ID      int64  `json:"id"`
	Job     string `json:"job"`
	Outcome string `json:"outcome"`
	Error   string `json:"error"`
}

// TestKillServeKeepsHistory: `kill -9` of serve while runs are in progress
// loses no run: every run the API showed before the kill is in the history
// afterwards, finished runs unchanged, and those that were running are
// "interrupted" — none is left "running". (cli/serve_kill_test.go checks
// that a restarted serve runs the job again once.)
func TestKillServeKeepsHistory(t *testing.T) {
	_, srv, ids := startEmulator(t, emulator.Faults{}, 1)
	conn := ids[0]
	dir := t.TempDir()
	scripts := map[string]string{
		"long.lua":  "require('time').sleep(600)\n",
		"quick.lua": "local sora = require('sora')\nlocal md = assert(sora.get('sora', args.conn))\nassert(sora.put_item('sora', args.conn, 'runs', (md.runs or 0) + 1))\nreturn md.runs\n",
	}
	for name, src := range scripts {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	jobs := filepath.Join(dir, "jobs.yaml")
	yaml := fmt.Sprintf(`sora: {url: %q}
jobs:
  - {name: long, schedule: "@every 1s", script: long.lua, timeout: 10m}
  - {name: quick, schedule: "@every 1s", script: quick.lua, args: {conn: %s}}
`, srv.URL, conn)
	if err := os.WriteFile(jobs, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(dir, "state.db")
	cmd, api := startServe(t, "serve", "-c", jobs, "--listen", "127.0.0.1:0", "--state", state)
	// Wait until quick has finished 3 runs while long is running.
	var before []apiRun
	deadline := time.Now().Add(20 * time.Second)
	for {
		before = listRuns(t, api)
		ok, running := 0, 0
		for _, r := range before {
			if r.Job == "quick" && r.Outcome == "ok" {
				ok++
			}
			if r.Job == "long" && r.Outcome == "running" {
				running++
			}
		}
		if ok >= 3 && running == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("runs never got going: %+v", before)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	_ = cmd.Wait()

	store, err := history.Open(state, history.Options{Keep: 1000})
	if err != nil {
		t.Fatalf("reopen the state after kill -9: %v", err)
	}
	defer store.Close()
	if n := store.Interrupted(); n < 1 {
		t.Errorf("Interrupted() = %d, want at least the long run", n)
	}
	after := map[int64]history.Run{}
	for _, job := range []string{"long", "quick"} {
		runs, err := store.List(context.Background(), job, 1000)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range runs {
			after[r.ID] = r
			if r.Outcome == history.OutcomeRunning {
				t.Errorf("run %d of %s still running after the restart", r.ID, job)
			}
		}
	}
	for _, b := range before {
		a, ok := after[b.ID]
		switch {
		case !ok:
			t.Errorf("run %d of %s (%s before the kill) is lost", b.ID, b.Job, b.Outcome)
		case b.Outcome == "running":
			if a.Outcome != history.OutcomeInterrupted && a.Outcome != history.OutcomeOK {
				t.Errorf("run %d of %s was running; after the kill it is %s", b.ID, b.Job, a.Outcome)
			}
			if a.Outcome == history.OutcomeInterrupted && !strings.Contains(a.Error, "process exited") {
				t.Errorf("interrupted run %d error %q", a.ID, a.Error)
			}
		case string(a.Outcome) != b.Outcome || a.Error != b.Error:
			t.Errorf("run %d of %s changed: %s %q before the kill, %s %q after", b.ID, b.Job, b.Outcome, b.Error, a.Outcome, a.Error)
		}
	}
	if a := after[firstID(before, "long")]; a.Outcome != history.OutcomeInterrupted {
		t.Errorf("the long run is %s, want interrupted", a.Outcome)
	}
}

func firstID(runs []apiRun, job string) int64 {
	for _, r := range runs {
		if r.Job == job && r.Outcome == "running" {
			return r.ID
		}
	}
	return 0
}

// listRuns reads GET /api/runs of a running serve.
func listRuns(t *testing.T, api string) []apiRun {
	t.Helper()
	resp, err := http.Get(api + "/api/runs?limit=1000")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Runs []apiRun `json:"runs"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out.Runs
}

// startServe starts `soracron serve` with args as a real process (this test
// binary re-executed), waits until its API listens and returns the process
// and the API's base URL; the process is killed when the test ends.
func startServe(t *testing.T, args ...string) (*exec.Cmd, string) {
	t.Helper()
	raw, _ := json.Marshal(args)
	cmd := exec.Command(os.Args[0], "-test.run=^TestServeProcess$")
	cmd.Env = append(os.Environ(), serveArgsEnv+"="+string(raw))
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			if m := listeningRE.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
			}
		}
	}()
	select {
	case a := <-addr:
		return cmd, "http://" + a
	case <-time.After(15 * time.Second):
		t.Fatal("serve never listened")
	}
	return nil, ""
}
