//go:build linux

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// hostileStopBound is how long past its timeout (or signal) a hostile run
// may take to end here: the rule is about 100 ms; the bound leaves room
// for a loaded machine (go test runs packages in parallel on two cores),
// and the wall time measured counts the process's start and exit too.
const hostileStopBound = 5 * time.Second

// TestHostileScriptsRun: hostile scripts run by `soracron run` as a real
// process, one row per variant of each class of issue: the outcome, the
// exit code, the wall time past the timeout or signal, and the peak RSS
// of the process and of the isolated run's child (VmHWM sampled every
// 10 ms: the ru_maxrss of wait4 counts the test process's own RSS at the
// fork).
func TestHostileScriptsRun(t *testing.T) {
	bin := soracronBinary(t, "")
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.lua")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	modDir := filepath.Join(dir, "mod")
	if err := os.Mkdir(modDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(modDir, "lib.lua"), 0o644); err != nil {
		t.Fatal(err)
	}
	requireFIFO := filepath.Join(modDir, "main.lua")
	if err := os.WriteFile(requireFIFO, []byte(`return require("lib")`), 0o644); err != nil {
		t.Fatal(err)
	}
	const mib = 1 << 20
	tests := []struct {
		name    string
		src     string   // the script, or "" with script
		script  string   // a path
		flags   []string // after the script
		signal  syscall.Signal
		after   time.Duration // of the timeout or the signal
		code    int
		want    []string // in stderr (or stdout)
		maxRSS  int64    // bytes
		maxWall time.Duration
	}{
		// 1. Lua code that ignored the timeout and signals.
		{name: "find lazy pattern", src: `return string.rep("a", 200000):find(".-.-.-.-b")`, flags: []string{"--timeout", "1s"},
			after: time.Second, code: 1, want: []string{"timed out after 1s", "soracron: timeout in"}, maxRSS: 200 * mib},
		{name: "gsub pattern", src: `return (string.rep("a", 200000):gsub("a*a*a*a*b", ""))`, flags: []string{"--timeout", "1s"},
			after: time.Second, code: 1, want: []string{"timed out after 1s"}, maxRSS: 200 * mib},
		{name: "deep tail calls", src: `local function f(n) return f(n + 1) end return f(1)`, flags: []string{"--timeout", "1s"},
			after: time.Second, code: 1, want: []string{"timed out after 1s"}, maxRSS: 200 * mib},
		{name: "SIGTERM in a pattern", src: `return string.rep("a", 200000):find(".-.-.-.-b")`, flags: []string{"--timeout", "0"},
			signal: syscall.SIGTERM, after: time.Second, code: 1, want: []string{"interrupted"}, maxRSS: 200 * mib},
		{name: "SIGINT in table.sort", src: `local t = {} for i = 1, 2e6 do t[i] = -i end while true do table.sort(t) end`, flags: []string{"--timeout", "0"},
			signal: syscall.SIGINT, after: 1500 * time.Millisecond, code: 1, want: []string{"interrupted"}, maxRSS: 400 * mib},
		{name: "SIGTERM in tail calls under pcall", src: `local function f(n) if n > 2e6 then error("deep") end return f(n + 1) end while true do pcall(f, 1) end`,
			flags: []string{"--timeout", "0"}, signal: syscall.SIGTERM, after: time.Second, code: 1, want: []string{"interrupted"}, maxRSS: 200 * mib},
		// 2. Files that are not scripts.
		{name: "script is a FIFO", script: fifo, code: 2, want: []string{"is a named pipe (FIFO), not a regular file"}, maxRSS: 100 * mib, maxWall: 5 * time.Second},
		{name: "require of a FIFO", script: requireFIFO, code: 1, want: []string{"is a named pipe (FIFO), not a regular file"}, maxRSS: 100 * mib, maxWall: 5 * time.Second},
		{name: "script is a device", script: "/dev/zero", code: 2, want: []string{"is a character device, not a regular file"}, maxRSS: 100 * mib, maxWall: 5 * time.Second},
		// 3. Coroutines.
		{name: "yield across pcall", src: `local co = coroutine.wrap(function() return pcall(coroutine.yield, 1) end) return {co()}`,
			code: 0, want: []string{"attempt to yield across a C-call boundary (from inside function 'pcall')"}, maxRSS: 100 * mib, maxWall: 10 * time.Second},
		// Memory: isolated runs end at their limit.
		{name: "string doubling", src: `local s = "x" for i = 1, 40 do s = s .. s end return #s`,
			flags: []string{"--isolation", "process", "--memory-limit", "64MiB", "--timeout", "60s"},
			code:  1, want: []string{"memory limit of 64 MiB exceeded", "soracron: memory_limit in"}, maxRSS: 3*64*mib + 512*mib, maxWall: 30 * time.Second},
		{name: "growing table", src: `local t = {} local i = 0 while true do i = i + 1 t[i] = {i} end`,
			flags: []string{"--isolation", "process", "--memory-limit", "64MiB", "--timeout", "60s"},
			code:  1, want: []string{"memory limit of 64 MiB exceeded"}, maxRSS: 3*64*mib + 512*mib, maxWall: 30 * time.Second},
		{name: "kept coroutines", src: `local cos = {} while true do local co = coroutine.create(function() coroutine.yield() end) coroutine.resume(co) cos[#cos + 1] = co end`,
			flags: []string{"--isolation", "process", "--memory-limit", "64MiB", "--timeout", "60s"},
			code:  1, want: []string{"memory limit of 64 MiB exceeded"}, maxRSS: 3*64*mib + 512*mib, maxWall: 30 * time.Second},
		{name: "isolated pattern killed at the timeout", src: `return string.rep("a", 200000):find(".-.-.-.-b")`,
			flags: []string{"--isolation", "process", "--timeout", "1s"}, after: time.Second, code: 1, want: []string{"timed out after 1s"}, maxRSS: 200 * mib},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			script := tt.script
			if script == "" {
				script = filepath.Join(t.TempDir(), "hostile.lua")
				if err := os.WriteFile(script, []byte(tt.src), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			cmd := exec.Command(bin, append([]string{"run", "--emulator", script}, tt.flags...)...)
			cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
			var out strings.Builder
			cmd.Stdout, cmd.Stderr = &out, &out
			start := time.Now()
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			if tt.signal != 0 {
				time.Sleep(tt.after)
				_ = cmd.Process.Signal(tt.signal)
			}
			done := make(chan struct{})
			done2 := make(chan error, 1)
			peak := make(chan int64, 1)
			go func() { peak <- samplePeakRSS(cmd.Process.Pid, done) }()
			go func() { err := cmd.Wait(); close(done); done2 <- err }()
			var err error
			select {
			case err = <-done2:
			case <-time.After(2 * time.Minute):
				_ = cmd.Process.Kill()
				t.Fatalf("did not end within 2 minutes:\n%s", out.String())
			}
			wall := time.Since(start)
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tt.code {
				t.Errorf("exit %d, want %d:\n%.3000s", code, tt.code, out.String())
			}
			for _, w := range tt.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%.3000s", w, out.String())
				}
			}
			bound := tt.maxWall
			if bound == 0 {
				bound = tt.after + hostileStopBound
			}
			if wall > bound {
				t.Errorf("ended after %s, bound %s", wall.Round(time.Millisecond), bound)
			}
			rss := <-peak
			if rss > tt.maxRSS {
				t.Errorf("peak RSS %d MiB, bound %d MiB", rss/mib, tt.maxRSS/mib)
			}
			t.Logf("wall %s (%s past the timeout or signal), peak RSS %d MiB", wall.Round(time.Millisecond),
				(wall - tt.after).Round(time.Millisecond), rss/mib)
		})
	}
}

// TestHostileScriptsServe: a daemon (`soracron serve`, a real process)
// with a memory bomb in an isolated job, a pathological pattern in an
// in-process job and a FIFO script's job being refused, keeps running its
// other job on schedule meanwhile, and its own memory stays small.
func TestHostileScriptsServe(t *testing.T) {
	bin := soracronBinary(t, "")
	dir := t.TempDir()
	files := map[string]string{
		"bomb.lua":    `local s = "x" for i = 1, 40 do s = s .. s end return #s`,
		"table.lua":   `local t = {} local i = 0 while true do i = i + 1 t[i] = {i} end`,
		"pattern.lua": `return string.rep("a", 200000):find(".-.-.-.-b")`,
		"tick.lua":    `return 1`,
	}
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	jobsYAML := `sora:
  url: http://127.0.0.1:1/
jobs:
  - name: bomb
    schedule: "@every 2s"
    script: bomb.lua
    timeout: 30s
    isolation: process
    memory_limit: 64MiB
    concurrency_policy: forbid
  - name: table
    schedule: "@every 2s"
    script: table.lua
    timeout: 30s
    isolation: process
    memory_limit: 64MiB
    concurrency_policy: forbid
  - name: pattern
    schedule: "@every 2s"
    script: pattern.lua
    timeout: 1s
    concurrency_policy: forbid
  - name: tick
    schedule: "@every 1s"
    script: tick.lua
`
	jobsPath := filepath.Join(dir, "jobs.yaml")
	if err := os.WriteFile(jobsPath, []byte(jobsYAML), 0o644); err != nil {
		t.Fatal(err)
	}
	p := startProc(t, bin, nil, "serve", "-c", jobsPath, "--listen", "127.0.0.1:0", "--state", filepath.Join(dir, "state.db"))
	addr := p.waitListening(t)
	deadline := time.Now().Add(90 * time.Second)
	var runs map[string][]apiRun
	for time.Now().Before(deadline) {
		time.Sleep(time.Second)
		runs = runsByJob(t, addr)
		if ended(runs["bomb"]) >= 1 && ended(runs["table"]) >= 1 && ended(runs["pattern"]) >= 2 && len(runs["tick"]) >= 8 {
			break
		}
	}
	for _, r := range runs["bomb"] {
		if r.Outcome != "running" && r.Outcome != "skipped" && (r.Outcome != "failed" || !strings.Contains(r.Error, "memory limit of 64 MiB exceeded")) {
			t.Errorf("bomb run: %+v", r)
		}
	}
	for _, r := range runs["table"] {
		if r.Outcome != "running" && r.Outcome != "skipped" && (r.Outcome != "failed" || !strings.Contains(r.Error, "memory limit of 64 MiB exceeded")) {
			t.Errorf("table run: %+v", r)
		}
	}
	for _, r := range runs["pattern"] {
		if r.Outcome != "running" && r.Outcome != "skipped" && (r.Outcome != "timeout") {
			t.Errorf("pattern run: %+v", r)
		}
	}
	if ended(runs["bomb"]) < 1 || ended(runs["table"]) < 1 || ended(runs["pattern"]) < 2 {
		t.Errorf("runs: bomb %d, table %d, pattern %d", ended(runs["bomb"]), ended(runs["table"]), ended(runs["pattern"]))
	}
	// The daemon kept scheduling: tick ran about once a second.
	ok := 0
	for _, r := range runs["tick"] {
		if r.Outcome == "ok" {
			ok++
		}
	}
	if ok < 8 {
		t.Errorf("tick ran ok %d times while the others ran", ok)
	}
	// The daemon's own memory: the bombs ran in children.
	hwm := vmHWM(t, p.cmd.Process.Pid)
	if hwm > 200<<20 {
		t.Errorf("daemon peak RSS %d MiB", hwm>>20)
	}
	t.Logf("runs: bomb %d, table %d, pattern %d, tick ok %d; daemon peak RSS %d MiB", ended(runs["bomb"]), ended(runs["table"]),
		ended(runs["pattern"]), ok, hwm>>20)
}

// runsByJob returns the runs of the daemon at addr by job.
func runsByJob(t *testing.T, addr string) map[string][]apiRun {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+addr+"/api/runs?limit=1000", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Runs []apiRun `json:"runs"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	m := map[string][]apiRun{}
	for _, r := range body.Runs {
		m[r.Job] = append(m[r.Job], r)
	}
	return m
}

// ended counts the runs that ended (skipped ones are not runs).
func ended(runs []apiRun) int {
	n := 0
	for _, r := range runs {
		if r.Outcome != "running" && r.Outcome != "skipped" {
			n++
		}
	}
	return n
}

// samplePeakRSS returns the largest VmHWM of process pid and of its
// children, sampled every 10 ms until done is closed.
func samplePeakRSS(pid int, done <-chan struct{}) int64 {
	var peak int64
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	for {
		pids := []int{pid}
		tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pid)) // a child is its forking thread's
		for _, task := range tasks {
			b, _ := os.ReadFile(task)
			for _, f := range strings.Fields(string(b)) {
				if c, err := strconv.Atoi(f); err == nil {
					pids = append(pids, c)
				}
			}
		}
		for _, p := range pids {
			if hwm, ok := readHWM(p); ok && hwm > peak {
				peak = hwm
			}
		}
		select {
		case <-done:
			return peak
		case <-t.C:
		}
	}
}

// readHWM reads the VmHWM of process pid.
func readHWM(pid int) (int64, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10, true
		}
	}
	return 0, false
}

// vmHWM returns the peak RSS of process pid.
func vmHWM(t *testing.T, pid int) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	t.Fatal("no VmHWM")
	return 0
}
