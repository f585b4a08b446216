package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/soracron/soracron/cli"
	"github.com/soracron/soracron/emulator"
	"github.com/soracron/soracron/internal/syncio"
	"github.com/soracron/soracron/scheduler/history"
)

// serveEmulator starts an emulator with one connection in channel "sora"
// and returns it, its URL and the connection id.
func serveEmulator(t *testing.T) (*emulator.Emulator, string, string) {
	t.Helper()
	e := emulator.New(emulator.Options{})
	srv, err := emulator.Start(e, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	c, err := e.AddConnection(emulator.Connection{ChannelID: "sora", Metadata: map[string]any{}})
	if err != nil {
		t.Fatal(err)
	}
	return e, srv.URL, c.ConnectionID
}

// serveDir makes a directory with the test scripts in scripts/ and returns it.
func serveDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files, _ := filepath.Glob(filepath.Join("testdata", "serve", "*.lua"))
	if len(files) == 0 {
		t.Fatal("no scripts in testdata/serve")
	}
	if err := os.MkdirAll(filepath.Join(dir, "scripts"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "scripts", filepath.Base(f)), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// writeServeJobs writes dir/jobs.yaml with {{url}} and {{conn}} replaced.
func writeServeJobs(t *testing.T, dir, yaml, url, conn string) string {
	t.Helper()
	path := filepath.Join(dir, "jobs.yaml")
	yaml = strings.NewReplacer("{{url}}", url, "{{conn}}", conn).Replace(yaml)
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// serveRun is `soracron serve` running in-process.
type serveRun struct {
	t      *testing.T
	api    string // http://host:port
	stderr *syncio.Buffer
	cancel context.CancelFunc
	code   chan int
	exit   int
	ended  bool
}

var listeningRE = regexp.MustCompile(`msg="http api listening" addr=(\S+)`)

// startServe runs `soracron serve args...` until its API listens.
func startServe(t *testing.T, args ...string) *serveRun {
	t.Helper()
	return startServeEnv(t, nil, args...)
}

// startServeEnv is startServe with environment variables.
func startServeEnv(t *testing.T, env map[string]string, args ...string) *serveRun {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &serveRun{t: t, stderr: &syncio.Buffer{}, cancel: cancel, code: make(chan int, 1)}
	go func() {
		r.code <- cli.Execute(ctx, append([]string{"serve"}, args...),
			cli.App{Stdout: io.Discard, Stderr: r.stderr, Getenv: func(k string) string { return env[k] }})
	}()
	t.Cleanup(func() { r.stop() })
	deadline := time.Now().Add(10 * time.Second)
	for {
		if m := listeningRE.FindStringSubmatch(r.stderr.String()); m != nil {
			r.api = "http://" + m[1]
			break
		}
		select {
		case code := <-r.code:
			r.ended, r.exit = true, code
			t.Fatalf("serve exited with %d before listening:\n%s", code, r.stderr.String())
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve does not listen:\n%s", r.stderr.String())
		}
	}
	return r
}

// stop cancels serve (as SIGTERM does) and returns its exit code.
func (r *serveRun) stop() int {
	if !r.ended {
		r.cancel()
		select {
		case r.exit = <-r.code:
		case <-time.After(30 * time.Second):
			r.t.Fatalf("serve did not stop:\n%s", r.stderr.String())
		}
		r.ended = true
	}
	return r.exit
}

// get decodes the JSON reply of GET path.
func (r *serveRun) get(path string, v any) int {
	r.t.Helper()
	resp, err := http.Get(r.api + path)
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		r.t.Fatalf("GET %s: %v", path, err)
	}
	return resp.StatusCode
}

type apiRun struct {
	ID        int64
	Job       string
	Outcome   string
	Error     string
	Trigger   string
	Scheduled *time.Time
	Start     *time.Time
}

func (r *serveRun) runs(job string) []apiRun {
	var v struct{ Runs []apiRun }
	r.get("/api/runs?limit=1000&job="+job, &v)
	return v.Runs
}

func (r *serveRun) waitRun(job, outcome string) apiRun {
	r.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		for _, run := range r.runs(job) {
			if run.Outcome == outcome {
				return run
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	r.t.Fatalf("no %s run of %s; runs %+v\n%s", outcome, job, r.runs(job), r.stderr.String())
	return apiRun{}
}

func (r *serveRun) jobNames() string {
	var v struct{ Jobs []struct{ Name string } }
	r.get("/api/jobs", &v)
	var names []string
	for _, j := range v.Jobs {
		names = append(names, j.Name)
	}
	return strings.Join(names, ",")
}

const serveJobs = `
sora: {url: "{{url}}"}
jobs:
  - name: stamp
    schedule: "@every 1s"
    script: scripts/stamp.lua
    args: {channel_id: sora, connection_id: "{{conn}}"}
  - name: slow
    schedule: "0 0 1 1 *"
    script: scripts/sleep.lua
    args: {seconds: 600}
`

func TestServe(t *testing.T) {
	emu, url, conn := serveEmulator(t)
	dir := serveDir(t)
	jobs := writeServeJobs(t, dir, serveJobs, url, conn)
	state := filepath.Join(dir, "state.db")
	s := startServe(t, "-c", jobs, "--listen", "127.0.0.1:0", "--state", state, "--shutdown-timeout", "1s")

	t.Run("runs jobs on schedule", func(t *testing.T) {
		run := s.waitRun("stamp", "ok")
		if run.Trigger != "schedule" || run.Scheduled == nil {
			t.Errorf("run = %+v", run)
		}
		md, _ := emu.Metadata("sora", conn)
		if md["runs"] == nil {
			t.Errorf("metadata = %v, want runs counted", md)
		}
	})

	t.Run("a second serve on the same state refuses to start", func(t *testing.T) {
		var stderr bytes.Buffer
		code := cli.Execute(context.Background(),
			[]string{"serve", "-c", jobs, "--listen", "127.0.0.1:0", "--state", state},
			cli.App{Stdout: io.Discard, Stderr: &stderr})
		if code != 1 || !strings.Contains(stderr.String(), "locked by another soracron serve") ||
			!strings.Contains(stderr.String(), "pid ") {
			t.Errorf("exit %d, stderr:\n%s", code, stderr.String())
		}
	})

	t.Run("SIGHUP reloads jobs.yaml", func(t *testing.T) {
		writeServeJobs(t, dir, serveJobs+`
  - name: added
    schedule: "@every 1s"
    script: scripts/one.lua
`, url, conn)
		if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
		waitUntil(t, func() bool { return s.jobNames() == "stamp,slow,added" }, "the added job")
		s.waitRun("added", "ok")
	})

	t.Run("SIGHUP with an invalid jobs.yaml keeps the jobs", func(t *testing.T) {
		writeServeJobs(t, dir, serveJobs+"  - name: bad\n    schedule: \"@every 1s\"\n    scirpt: x.lua\n", url, conn)
		if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
		waitUntil(t, func() bool { return strings.Contains(s.stderr.String(), "scirpt") }, "the refusal in the log")
		log := s.stderr.String()
		if !strings.Contains(log, "configuration reload refused") || !strings.Contains(log, "jobs.yaml:14") ||
			!strings.Contains(log, `unknown key \"scirpt\"`) {
			t.Errorf("the refusal does not say where:\n%s", log)
		}
		if got := s.jobNames(); got != "stamp,slow,added" {
			t.Errorf("jobs = %s", got)
		}
	})

	t.Run("shutdown cancels runs after the timeout and exits 0", func(t *testing.T) {
		resp, err := http.Post(s.api+"/api/jobs/slow/run", "application/json", nil)
		if err != nil {
			t.Fatal(err)
		}
		var v struct {
			RunID int64 `json:"run_id"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&v)
		resp.Body.Close()
		if resp.StatusCode != 202 || v.RunID == 0 {
			t.Fatalf("POST run = %d %+v", resp.StatusCode, v)
		}
		s.waitRun("slow", "running")
		start := time.Now()
		if code := s.stop(); code != 0 {
			t.Fatalf("exit %d:\n%s", code, s.stderr.String())
		}
		if d := time.Since(start); d < 900*time.Millisecond {
			t.Errorf("serve stopped after %s, before the 1s shutdown timeout", d)
		}
		store, err := history.Open(state, history.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer store.Close()
		r, err := store.Get(context.Background(), v.RunID)
		if err != nil {
			t.Fatal(err)
		}
		if r.Outcome != history.OutcomeCancelled || !strings.Contains(r.Error, "shutting down") {
			t.Errorf("run = %+v, want cancelled by the shutdown", r)
		}
		if store.Interrupted() != 0 {
			t.Errorf("%d runs left running by a clean shutdown", store.Interrupted())
		}
	})
}

func waitUntil(t *testing.T, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestServeToken(t *testing.T) {
	_, url, conn := serveEmulator(t)
	dir := serveDir(t)
	jobs := writeServeJobs(t, dir, serveJobs, url, conn)
	token := filepath.Join(dir, "token")
	if err := os.WriteFile(token, []byte("t0ken\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := startServe(t, "-c", jobs, "--listen", "0.0.0.0:0", "--token-file", token, "--state", filepath.Join(dir, "s.db"))
	api := strings.Replace(s.api, "0.0.0.0", "127.0.0.1", 1)
	for _, tc := range []struct {
		header string
		status int
	}{{"", 401}, {"Bearer wrong", 401}, {"Bearer t0ken", 200}} {
		req, _ := http.NewRequest("GET", api+"/api/jobs", nil)
		if tc.header != "" {
			req.Header.Set("Authorization", tc.header)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Errorf("Authorization %q: %d, want %d", tc.header, resp.StatusCode, tc.status)
		}
	}
}

func TestServeUsageErrors(t *testing.T) {
	_, url, conn := serveEmulator(t)
	dir := serveDir(t)
	good := writeServeJobs(t, dir, serveJobs, url, conn)
	bad := filepath.Join(dir, "bad.yaml")
	_ = os.WriteFile(bad, []byte("sora: {url: nope}\njobs:\n  - name: a\n    schedule: \"every day\"\n    script: scripts/one.lua\n"), 0o644)
	syntax := filepath.Join(dir, "syntax.yaml")
	_ = os.WriteFile(filepath.Join(dir, "scripts", "broken.lua"), []byte("local x = = 1\n"), 0o644)
	_ = os.WriteFile(syntax, []byte("sora: {url: \""+url+"\"}\njobs:\n  - {name: a, schedule: \"@every 1s\", script: scripts/broken.lua}\n"), 0o644)
	empty := filepath.Join(dir, "empty-token")
	_ = os.WriteFile(empty, nil, 0o600)
	state := filepath.Join(dir, "state.db")
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"invalid jobs.yaml lists every problem", []string{"-c", bad},
			[]string{"bad.yaml:1", "sora.url", "bad.yaml:4", "every day", "2 problems"}},
		{"missing jobs.yaml", []string{"-c", filepath.Join(dir, "nope.yaml")}, []string{"nope.yaml"}},
		{"script syntax error", []string{"-c", syntax}, []string{"broken.lua:1"}},
		{"non-loopback without a token", []string{"-c", good, "--listen", "0.0.0.0:8080"}, []string{"--token-file"}},
		{"empty token file", []string{"-c", good, "--listen", "0.0.0.0:0", "--token-file", empty}, []string{"token"}},
		{"bad listen address", []string{"-c", good, "--listen", "8080"}, []string{"HOST:PORT"}},
		{"bad log format", []string{"-c", good, "--log-format", "xml"}, []string{"--log-format"}},
		{"arguments", []string{"jobs.yaml"}, []string{"unknown command"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stderr bytes.Buffer
			args := append([]string{"serve", "--state", state, "--listen", "127.0.0.1:0"}, tc.args...)
			code := cli.Execute(context.Background(), args, cli.App{Stdout: io.Discard, Stderr: &stderr})
			if code != 2 {
				t.Errorf("exit %d, want 2; stderr:\n%s", code, stderr.String())
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr.String(), w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr.String())
				}
			}
		})
	}
}

func TestServeHelp(t *testing.T) {
	var stdout bytes.Buffer
	code := cli.Execute(context.Background(), []string{"serve", "--help"}, cli.App{Stdout: &stdout, Stderr: io.Discard})
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"--listen", "--state", "--token-file", "--shutdown-timeout", "--emulator",
		"SIGHUP", "/api/jobs/NAME/run", "Exit codes", "locked"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("help lacks %q", want)
		}
	}
}

func TestServeEmulator(t *testing.T) {
	dir := serveDir(t)
	// sora.url is unreachable: --emulator replaces it.
	jobs := writeServeJobs(t, dir, `
sora: {url: "http://127.0.0.1:9/"}
jobs:
  - name: stamp
    schedule: "@daily"
    script: scripts/stamp.lua
    args: {channel_id: sora, connection_id: 0FQE5EA5YN3FS13P01QZ1JG8R0}
`, "", "")
	s := startServe(t, "-c", jobs, "--emulator", "--listen", "127.0.0.1:0", "--state", filepath.Join(dir, "s.db"))
	m := regexp.MustCompile(`msg="built-in emulator started.*url=(\S+)`).FindStringSubmatch(s.stderr.String())
	if m == nil {
		t.Fatalf("no emulator URL in the log:\n%s", s.stderr.String())
	}
	resp, err := http.Post(s.api+"/api/jobs/stamp/run", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 202 {
		t.Fatalf("POST run = %d", resp.StatusCode)
	}
	s.waitRun("stamp", "ok")
	req, _ := http.NewRequest("POST", m[1], strings.NewReader(`{"channel_id":"sora","connection_id":"0FQE5EA5YN3FS13P01QZ1JG8R0"}`))
	req.Header.Set("x-sora-target", "Sora_20201124.GetSignalingNotifyMetadata")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var md map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&md)
	if md["runs"] != float64(1) || md["status"] != "busy" {
		t.Errorf("emulator metadata = %v, want the demo connection with runs = 1", md)
	}
}
