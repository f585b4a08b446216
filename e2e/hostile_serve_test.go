//go:build linux

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/soracron/soracron/scheduler/history"
)

// hostileServeRun is one row of TestHostileScriptsServeTable: a job run
// on demand through the API, and what its run must show.
type hostileServeRun struct {
	name    string // the job's name, and its script's
	class   string // the rows of a class run together
	src     string
	outcome string
	want    string // in the run's error
}

// serveRunInfo is a run as GET /api/runs/{id} shows it.
type serveRunInfo struct {
	ID        int64      `json:"id"`
	Job       string     `json:"job"`
	Outcome   string     `json:"outcome"`
	Scheduled *time.Time `json:"scheduled"`
	Start     *time.Time `json:"start"`
	End       *time.Time `json:"end"`
	Error     string     `json:"error"`
}

// TestHostileScriptsServeTable: one real `soracron serve` process runs, on
// demand through POST /api/jobs/{name}/run, three variants of each class
// of hostile script (pattern bombs, deep tail calls, coroutine abuse, FIFO
// modules, huge error text), one class at a time, while a heartbeat job
// runs every second. Each run must end with its outcome and message within
// its timeout plus hostileServeBound; the heartbeat must keep its schedule
// (no gap over heartbeatGap); the daemon's peak RSS must stay under
// hostileServeRSS; and after SIGTERM, with a bomb still running, no run in
// the history may be left "running".
func TestHostileScriptsServeTable(t *testing.T) {
	const (
		timeout = 2 * time.Second
		// hostileServeBound: the rule is about 100 ms past the timeout; -race
		// and a loaded two-core machine get the rest.
		hostileServeBound = 3 * time.Second
		// heartbeatGap: a heartbeat every second; a gap over this means the
		// scheduler was held up by a hostile run.
		heartbeatGap = 3500 * time.Millisecond
		mib          = 1 << 20
		// hostileServeRSS: the daemon starts at about 25 MiB; the huge error
		// class runs three 30 MiB strings at once, each with a few copies
		// (Lua string, error value, text before it is capped at 64 KiB),
		// and the garbage collector lets the heap double before collecting:
		// about 210 MiB measured; the bound leaves room for a slower GC.
		hostileServeRSS = 400 * mib
	)
	rows := []hostileServeRun{
		{name: "find-lazy", class: "pattern", src: `return string.rep("a", 200000):find(".-.-.-.-b")`, outcome: "timeout", want: "timed out after 2s"},
		{name: "gsub-star", class: "pattern", src: `return (string.rep("a", 200000):gsub("a*a*a*a*b", ""))`, outcome: "timeout", want: "timed out after 2s"},
		{name: "match-captures", class: "pattern", src: `return string.rep("a", 200000):match("(.-)(.-)(.-)(.-)b")`, outcome: "timeout", want: "timed out after 2s"},

		{name: "tail-plain", class: "tail", src: `local function f(n) return f(n + 1) end return f(1)`, outcome: "timeout", want: "timed out after 2s"},
		{name: "tail-pcall", class: "tail", src: `return pcall(function() local function f(n) return f(n + 1) end return f(1) end)`, outcome: "timeout", want: "timed out after 2s"},
		{name: "tail-coroutine", class: "tail", src: `return coroutine.wrap(function() local function f(n) return f(n + 1) end return f(1) end)()`, outcome: "timeout", want: "timed out after 2s"},

		{name: "yield-pcall", class: "coroutine", src: `local co = coroutine.wrap(function() return pcall(coroutine.yield, 1) end) local ok, e = co() error(tostring(e))`,
			outcome: "failed", want: "attempt to yield across a C-call boundary"},
		{name: "yield-sort", class: "coroutine", src: `local co = coroutine.wrap(function() local t = {3, 2, 1} table.sort(t, function(a, b) coroutine.yield() return a < b end) return t end) return co()`,
			outcome: "failed", want: "attempt to yield across a C-call boundary (from inside function 'sort')"},
		{name: "resume-dead", class: "coroutine", src: `local co = coroutine.create(function() error("boom") end) coroutine.resume(co) local ok, e = coroutine.resume(co) error(e)`,
			outcome: "failed", want: "can not resume a dead thread"},

		{name: "require-fifo", class: "fifo", src: `return require("lib")`, outcome: "failed", want: "lib.lua is a named pipe (FIFO), not a regular file"},
		{name: "require-sub-fifo", class: "fifo", src: `return require("sub.lib")`, outcome: "failed", want: "lib.lua is a named pipe (FIFO), not a regular file"},
		{name: "pcall-require-fifo", class: "fifo", src: `local ok, e = pcall(require, "lib") error(e)`, outcome: "failed", want: "is a named pipe (FIFO), not a regular file"},

		{name: "huge-error", class: "huge", src: `error(string.rep("x", 30 * 1024 * 1024))`, outcome: "failed", want: "huge-error.lua:1: xxx"},
		{name: "huge-assert", class: "huge", src: `assert(false, string.rep("y", 30 * 1024 * 1024))`, outcome: "failed", want: "huge-assert.lua:1: yyy"},
		{name: "huge-rethrown", class: "huge", src: `local ok, e = pcall(error, string.rep("z", 30 * 1024 * 1024)) error(e .. "!")`, outcome: "failed", want: "huge-rethrown.lua:1: zzz"},
	}

	bin := soracronBinary(t, "")
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, fifo := range []string{"lib.lua", "sub/lib.lua"} {
		if err := syscall.Mkfifo(filepath.Join(dir, fifo), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var yaml strings.Builder
	yaml.WriteString("sora:\n  url: http://127.0.0.1:1/\njobs:\n  - name: heartbeat\n    schedule: \"@every 1s\"\n    script: heartbeat.lua\n")
	if err := os.WriteFile(filepath.Join(dir, "heartbeat.lua"), []byte(`return 1`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if err := os.WriteFile(filepath.Join(dir, r.name+".lua"), []byte(r.src), 0o644); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&yaml, "  - name: %s\n    schedule: \"@hourly\"\n    enabled: false\n    script: %s.lua\n    timeout: %s\n    concurrency_policy: allow\n",
			r.name, r.name, timeout)
	}
	jobsPath := filepath.Join(dir, "jobs.yaml")
	if err := os.WriteFile(jobsPath, []byte(yaml.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(dir, "state.db")
	p := startProc(t, bin, nil, "serve", "--emulator", "-c", jobsPath, "--listen", "127.0.0.1:0", "--state", state)
	api := "http://" + p.waitListening(t)
	pid := p.cmd.Process.Pid
	idle := vmHWM(t, pid)
	time.Sleep(1500 * time.Millisecond) // a heartbeat or two before the bombs
	begin := time.Now()

	var classes []string
	byClass := map[string][]hostileServeRun{}
	for _, r := range rows {
		if byClass[r.class] == nil {
			classes = append(classes, r.class)
		}
		byClass[r.class] = append(byClass[r.class], r)
	}
	for _, class := range classes {
		ids := map[string]int64{}
		posted := time.Now()
		for _, r := range byClass[class] {
			ids[r.name] = postRun(t, api, r.name)
		}
		for _, r := range byClass[class] {
			t.Run(class+"/"+r.name, func(t *testing.T) {
				run := waitRunEnded(t, api, ids[r.name], timeout+30*time.Second)
				took := run.End.Sub(posted)
				if run.Outcome != r.outcome || !strings.Contains(run.Error, r.want) {
					t.Errorf("outcome %s, error %.300q; want %s with %q", run.Outcome, run.Error, r.outcome, r.want)
				}
				if len(run.Error) > 128<<10 { // the history caps error text at 64 KiB
					t.Errorf("error text of %d bytes kept", len(run.Error))
				}
				if took > timeout+hostileServeBound {
					t.Errorf("ended %s after the request, bound %s", took.Round(time.Millisecond), timeout+hostileServeBound)
				}
				t.Logf("%s in %s (error %d bytes)", run.Outcome, took.Round(time.Millisecond), len(run.Error))
			})
		}
	}
	finish := time.Now()

	// The heartbeat kept its schedule while the bombs ran.
	var beats []time.Time
	for _, r := range listRunInfos(t, api, "heartbeat") {
		if r.Outcome != "ok" {
			t.Errorf("heartbeat run %d: %s %s", r.ID, r.Outcome, r.Error)
		}
		if r.Start != nil {
			beats = append(beats, *r.Start)
		}
		if r.Scheduled != nil && r.Start != nil {
			if late := r.Start.Sub(*r.Scheduled); late > heartbeatGap {
				t.Errorf("heartbeat run %d started %s after its time", r.ID, late)
			}
		}
	}
	sort.Slice(beats, func(i, j int) bool { return beats[i].Before(beats[j]) })
	if len(beats) == 0 || beats[0].After(begin) || beats[len(beats)-1].Before(finish.Add(-heartbeatGap)) {
		t.Fatalf("heartbeats do not cover the hostile runs (%s to %s): %v", begin, finish, beats)
	}
	var maxGap time.Duration
	for i := 1; i < len(beats); i++ {
		if g := beats[i].Sub(beats[i-1]); g > maxGap {
			maxGap = g
		}
	}
	if maxGap > heartbeatGap {
		t.Errorf("heartbeat gap of %s during the hostile runs, bound %s", maxGap.Round(time.Millisecond), heartbeatGap)
	}

	// The daemon's own memory.
	hwm := vmHWM(t, pid)
	if hwm > hostileServeRSS {
		t.Errorf("daemon peak RSS %d MiB, bound %d MiB", hwm/mib, hostileServeRSS/mib)
	}
	t.Logf("%d hostile runs in %s; %d heartbeats, largest gap %s; daemon peak RSS %d MiB (%d MiB when it started listening)",
		len(rows), finish.Sub(begin).Round(time.Millisecond), len(beats), maxGap.Round(time.Millisecond), hwm/mib, idle/mib)

	// SIGTERM with a bomb running: no run is left "running" in the history.
	bomb := postRun(t, api, "find-lazy")
	time.Sleep(300 * time.Millisecond)
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	code := p.wait(t, 30*time.Second)
	store, err := history.Open(state, history.Options{Keep: 1000})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	all, err := store.List(context.Background(), "", 1000)
	if err != nil {
		t.Fatal(err)
	}
	seen := false
	for _, r := range all {
		if r.Outcome == history.OutcomeRunning {
			t.Errorf("run %d of %s left running after SIGTERM", r.ID, r.Job)
		}
		if r.ID == bomb {
			seen = true
			t.Logf("the bomb running at SIGTERM: %s %q; serve exited %d", r.Outcome, r.Error, code)
		}
	}
	if !seen {
		t.Errorf("run %d (running at SIGTERM) is not in the history", bomb)
	}
}

// postRun starts job through the API and returns the run's id.
func postRun(t *testing.T, api, job string) int64 {
	t.Helper()
	resp, err := http.Post(api+"/api/jobs/"+job+"/run", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		RunID int64 `json:"run_id"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != http.StatusAccepted || body.RunID == 0 {
		t.Fatalf("POST run %s: %d %v %+v", job, resp.StatusCode, err, body)
	}
	return body.RunID
}

// getRunInfo reads GET /api/runs/{id}.
func getRunInfo(t *testing.T, api string, id int64) serveRunInfo {
	t.Helper()
	var run serveRunInfo
	if err := json.Unmarshal(apiGet(t, fmt.Sprintf("%s/api/runs/%d", api, id)), &run); err != nil {
		t.Fatal(err)
	}
	return run
}

// waitRunEnded polls run id until it is no longer running.
func waitRunEnded(t *testing.T, api string, id int64, d time.Duration) serveRunInfo {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		run := getRunInfo(t, api, id)
		if run.Outcome != "running" && run.End != nil {
			return run
		}
		if time.Now().After(deadline) {
			t.Fatalf("run %d still %s after %s", id, run.Outcome, d)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// listRunInfos reads GET /api/runs?job=job.
func listRunInfos(t *testing.T, api, job string) []serveRunInfo {
	t.Helper()
	var body struct {
		Runs []serveRunInfo `json:"runs"`
	}
	if err := json.Unmarshal(apiGet(t, api+"/api/runs?limit=1000&job="+job), &body); err != nil {
		t.Fatal(err)
	}
	return body.Runs
}
