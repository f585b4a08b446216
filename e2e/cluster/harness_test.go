// Package cluster_test runs `soracron serve --cluster` replicas as real
// processes (this test binary, re-executed) against a real etcd process
// and the emulator as Sora. etcd is the installed etcd program (Debian
// package etcd-server; required in CI); without it, outside CI, this test
// binary re-executed serving an embedded etcd. Jobs on "@every 1s"
// record each run as the metadata key "<job>_<unix second>_<node>" of one
// connection, so the tests count runs per tick from the emulator's state.
package cluster_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/soracron/soracron/cli"
	"github.com/soracron/soracron/emulator"
	"github.com/soracron/soracron/scheduler/cluster/etcdtest"
)

// serveArgsEnv carries the arguments of `soracron serve` to a replica.
const serveArgsEnv = "SORACRON_CLUSTER_E2E_SERVE"

func TestMain(m *testing.M) {
	etcdtest.MainIfServer()
	if raw := os.Getenv(serveArgsEnv); raw != "" {
		var args []string
		if err := json.Unmarshal([]byte(raw), &args); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		os.Exit(cli.Main(args, cli.Stdio()))
	}
	os.Exit(m.Run())
}

// ticks is how many ticks the long tests watch: 20 by default,
// SORACRON_CLUSTER_TICKS to change it (60 for the full run).
func ticks(t *testing.T) int {
	if v := os.Getenv("SORACRON_CLUSTER_TICKS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 5 {
			t.Fatalf("SORACRON_CLUSTER_TICKS=%q: want an integer >= 5", v)
		}
		return n
	}
	return 20
}

// recordLua writes "<job>_<tick>_<node>_<id>" = its start time on the
// connection args.conn, where tick is the second of the tick the run
// serves (run.scheduled: a late catch-up run writes its own tick, not the
// second it starts in), or its start second for a run with no tick (event,
// manual), and id the run's id on its node, so that no run overwrites
// another's key; with sleep, it then sleeps that many seconds.
const recordLua = `local sora = require("sora")
local time = require("time")
local run = require("run")
local now = time.now()
local tick = math.floor(run.scheduled or now)
local key = args.job .. "_" .. tick .. "_" .. (run.node or args.node) .. "_" .. tostring(run.id or 0)
assert(sora.put_item("sora", args.conn, key, now))
if args.sleep > 0 then time.sleep(args.sleep) end
`

// env is one test's world: the emulator, etcd and the jobs file.
type env struct {
	t    *testing.T
	dir  string
	emu  *emulator.Emulator
	conn string
	etcd *etcdtest.Process
	jobs string
}

// etcdBinary returns the installed etcd program, or "" for the embedded
// server: it fails the test in CI (env CI set) when etcd is missing.
func etcdBinary(t *testing.T) string {
	t.Helper()
	path, err := etcdtest.LookBinary()
	if err == nil {
		return path
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("CI needs a real etcd: install the Debian package etcd-server (%v)", err)
	}
	t.Logf("no etcd program (Debian package etcd-server): using an embedded etcd in a child process")
	return ""
}

// newEnv starts the emulator and etcd and writes jobs.yaml with the jobs
// given (YAML list items, {{conn}} replaced) and a cluster section.
func newEnv(t *testing.T, ttl time.Duration, jobsYAML string) *env {
	t.Helper()
	e := &env{t: t, dir: t.TempDir(), emu: emulator.New(emulator.Options{})}
	srv, err := emulator.Start(e.emu, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	c, err := e.emu.AddConnection(emulator.Connection{ChannelID: "sora", Metadata: map[string]any{}})
	if err != nil {
		t.Fatal(err)
	}
	e.conn = c.ConnectionID
	e.startEtcd(0)
	if err := os.WriteFile(filepath.Join(e.dir, "record.lua"), []byte(recordLua), 0o644); err != nil {
		t.Fatal(err)
	}
	yaml := fmt.Sprintf(`sora: {url: %q, timeout: 1s, retries: 0}
cluster:
  session_ttl: %s
jobs:
%s`, srv.URL, ttl, strings.ReplaceAll(jobsYAML, "{{conn}}", e.conn))
	e.jobs = filepath.Join(e.dir, "jobs.yaml")
	if err := os.WriteFile(e.jobs, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	return e
}

// startEtcd starts etcd (again, on the same ports and data when port is
// that of the previous one).
func (e *env) startEtcd(port int) {
	e.t.Helper()
	dir := filepath.Join(e.dir, "etcd")
	var p *etcdtest.Process
	var err error
	if bin := etcdBinary(e.t); bin != "" {
		peer := 0
		if e.etcd != nil && e.etcd.Port == port {
			peer = e.etcd.PeerPort
		}
		p, err = etcdtest.StartBinary(bin, dir, port, peer)
	} else {
		p, err = etcdtest.StartProcess(dir, port)
	}
	if err != nil {
		e.t.Fatal(err)
	}
	e.etcd = p
	e.t.Cleanup(p.Stop)
}

// job returns a jobs.yaml list item of a recording job; sleep > 0 makes
// it sleep that many seconds after recording.
func job(name string, sleep int, extra string) string {
	return fmt.Sprintf("  - {name: %s, schedule: \"@every 1s\", script: record.lua, args: {job: %s, node: \"${NODE}\", conn: \"{{conn}}\", sleep: %d}%s}\n",
		name, name, sleep, extra)
}

// replica is a `soracron serve` process.
type replica struct {
	name string
	cmd  *exec.Cmd
	api  string
	logs *lockedBuffer
	done chan struct{}
}

var listeningRE = regexp.MustCompile(`msg="http api listening" addr=(\S+)`)

// start starts a replica named name (its state in dir/name.db); cluster
// is false for a single-node serve.
func (e *env) start(name string, clustered bool) *replica {
	e.t.Helper()
	args := []string{"serve", "-c", e.jobs, "--listen", "127.0.0.1:0", "--state", filepath.Join(e.dir, name+".db"),
		"--log-level", "debug", "--shutdown-timeout", "2s"}
	if clustered {
		args = append(args, "--cluster", "etcd://"+strings.TrimPrefix(e.etcd.Endpoint, "http://"), "--node", name)
	}
	raw, _ := json.Marshal(args)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), serveArgsEnv+"="+string(raw), "NODE="+name)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		e.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	r := &replica{name: name, cmd: cmd, logs: &lockedBuffer{}, done: make(chan struct{})}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			r.logs.add(line)
			if m := listeningRE.FindStringSubmatch(line); m != nil {
				addr <- m[1]
			}
		}
	}()
	go func() { _ = cmd.Wait(); close(r.done) }()
	e.t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGCONT)
		_ = cmd.Process.Kill()
		<-r.done
		if e.t.Failed() {
			e.t.Logf("log of %s:\n%s", name, r.logs.tail(60))
		}
	})
	select {
	case a := <-addr:
		r.api = "http://" + a
	case <-r.done:
		e.t.Fatalf("%s exited before listening:\n%s", name, r.logs.tail(40))
	case <-time.After(20 * time.Second):
		e.t.Fatalf("%s never listened:\n%s", name, r.logs.tail(40))
	}
	return r
}

// stop stops a replica with SIGTERM and waits for it.
func (r *replica) stop(t *testing.T) {
	t.Helper()
	_ = r.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-r.done:
	case <-time.After(20 * time.Second):
		t.Fatalf("%s did not stop on SIGTERM", r.name)
	}
}

// get decodes GET path of the replica's API; it returns the status.
func (r *replica) get(t *testing.T, path string, v any) int {
	t.Helper()
	resp, err := http.Get(r.api + path)
	if err != nil {
		t.Fatalf("%s: GET %s: %v", r.name, path, err)
	}
	defer resp.Body.Close()
	if v != nil {
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			t.Fatalf("%s: GET %s: %v", r.name, path, err)
		}
	}
	return resp.StatusCode
}

// record is a run as GET /api/runs shows it (cluster or local).
type record struct {
	ID        json.RawMessage `json:"id"`
	Job       string          `json:"job"`
	Outcome   string          `json:"outcome"`
	Scheduled *time.Time      `json:"scheduled"`
	Start     *time.Time      `json:"start"`
	Node      string          `json:"node"`
	Rerun     string          `json:"rerun"`
	Error     string          `json:"error"`
}

func (r *replica) runs(t *testing.T, query string) []record {
	t.Helper()
	var out struct {
		Runs []record `json:"runs"`
	}
	if code := r.get(t, "/api/runs?limit=1000&"+query, &out); code != http.StatusOK {
		t.Fatalf("%s: /api/runs: %d", r.name, code)
	}
	return out.Runs
}

// runsByTick returns, for job, the node of each run of each tick (unix
// second), from the emulator's metadata: a tick run twice on one node
// lists it twice.
func (e *env) runsByTick(job string) map[int64][]string {
	out := map[int64][]string{}
	for _, c := range e.emu.Connections("sora") {
		for k := range c.Metadata {
			parts := strings.SplitN(k, "_", 4)
			if len(parts) != 4 || parts[0] != job {
				continue
			}
			sec, err := strconv.ParseInt(parts[1], 10, 64)
			if err == nil {
				out[sec] = append(out[sec], parts[2])
			}
		}
	}
	return out
}

// checkOnce fails the test for any tick of job run more than once, and
// returns the ticks run, sorted.
func (e *env) checkOnce(job string) []int64 {
	e.t.Helper()
	by := e.runsByTick(job)
	var secs []int64
	for s, nodes := range by {
		secs = append(secs, s)
		if len(nodes) > 1 {
			e.t.Errorf("%s: tick %d ran %d times (on %v)", job, s, len(nodes), nodes)
		}
	}
	sort.Slice(secs, func(i, j int) bool { return secs[i] < secs[j] })
	return secs
}

// waitFor polls cond every 50ms until it holds or d passes.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// lockedBuffer keeps the lines of a log.
type lockedBuffer struct {
	mu    sync.Mutex
	lines []string
}

func (b *lockedBuffer) add(l string) {
	b.mu.Lock()
	b.lines = append(b.lines, l)
	b.mu.Unlock()
}

func (b *lockedBuffer) contains(s string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, l := range b.lines {
		if strings.Contains(l, s) {
			return true
		}
	}
	return false
}

func (b *lockedBuffer) tail(n int) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.Join(b.lines[max(0, len(b.lines)-n):], "\n")
}
