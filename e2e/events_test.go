package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/soracron/soracron/cli"
)

// emulatorArgsEnv carries the arguments of `soracron emulator` to the
// helper process (this test binary, re-executed).
const emulatorArgsEnv = "SORACRON_E2E_EMULATOR_ARGS"

// TestEmulatorProcess is not a test: it is the `soracron emulator` process
// of TestEventWebhookEndToEnd.
func TestEmulatorProcess(t *testing.T) {
	raw := os.Getenv(emulatorArgsEnv)
	if raw == "" {
		t.Skip("helper process only")
	}
	var args []string
	if err := json.Unmarshal([]byte(raw), &args); err != nil {
		t.Fatal(err)
	}
	os.Exit(cli.Main(args, cli.Stdio()))
}

// startProcess re-executes this test binary as helper with args (a
// soracron command line) and returns the first match of re in its stderr.
func startProcess(t *testing.T, helper, env string, args []string, re *regexp.Regexp) string {
	t.Helper()
	raw, _ := json.Marshal(args)
	cmd := exec.Command(os.Args[0], "-test.run=^"+helper+"$")
	cmd.Env = append(os.Environ(), env+"="+string(raw))
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case found <- m[1]:
				default:
				}
			}
		}
	}()
	select {
	case s := <-found:
		return s
	case <-time.After(20 * time.Second):
		t.Fatalf("%s never printed %s", args[0], re)
		return ""
	}
}

// freePort returns a loopback address that was free a moment ago.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

const welcomeJobs = `sora: {url: %q}
history: {keep: 5000}
event_webhook: {username: sora, password: hook-pw, queue: 5000}
jobs:
  - name: welcome
    on: [connection.created]
    script: %q
    concurrency_policy: allow
`

// TestEventWebhookEndToEnd: an emulator process sends its event webhooks
// to a serve process; connections are created at 200/s; the job on
// connection.created (scripts/welcome.lua) sets joined_at on each, exactly
// once. It logs the event-to-write latency: from a connection's creation
// to its joined_at. SORACRON_E2E_EVENTS sets the number of connections
// (default 100; the figure in the README is for 1000).
func TestEventWebhookEndToEnd(t *testing.T) {
	n := 100
	if v := os.Getenv("SORACRON_E2E_EVENTS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			t.Fatalf("SORACRON_E2E_EVENTS=%q: want a count", v)
		}
	}
	const rate = 200 // connections created per second
	dir := t.TempDir()
	script, err := filepath.Abs(repoFile("scripts/welcome.lua"))
	if err != nil {
		t.Fatal(err)
	}
	emuAddr := freePort(t)
	jobsPath := filepath.Join(dir, "jobs.yaml")
	if err := os.WriteFile(jobsPath, fmt.Appendf(nil, welcomeJobs, "http://"+emuAddr+"/", script), 0o644); err != nil {
		t.Fatal(err)
	}
	serveAddr := startProcess(t, "TestServeProcess", serveArgsEnv,
		[]string{"serve", "-c", jobsPath, "--listen", "127.0.0.1:0", "--state", filepath.Join(dir, "state.db")}, listeningRE)
	api := "http://" + serveAddr
	hook := "http://sora:hook-pw@" + serveAddr + "/webhooks/sora/event"
	emuURL := startProcess(t, "TestEmulatorProcess", emulatorArgsEnv,
		[]string{"emulator", "--listen", emuAddr, "--event-webhook-url", hook},
		regexp.MustCompile(`soracron emulator listening on (\S+)`))

	// Create the connections at the rate.
	created := map[string]time.Time{}
	tick := time.NewTicker(time.Second / rate)
	start := time.Now()
	for i := range n {
		<-tick.C
		id := fmt.Sprintf("%026d", i)
		resp, err := http.Post(emuURL+"emulator/connections", "application/json",
			strings.NewReader(`{"channel_id":"sora","connection_id":"`+id+`"}`))
		if err != nil {
			t.Fatal(err)
		}
		var c struct {
			CreatedTime time.Time `json:"created_time"`
		}
		err = json.NewDecoder(resp.Body).Decode(&c)
		resp.Body.Close()
		if resp.StatusCode != 201 || err != nil {
			t.Fatalf("add %s: %d %v", id, resp.StatusCode, err)
		}
		created[id] = c.CreatedTime
	}
	tick.Stop()
	t.Logf("%d connections created in %v", n, time.Since(start).Round(time.Millisecond))

	// Wait until every connection has joined_at.
	var conns []struct {
		ConnectionID string         `json:"connection_id"`
		Metadata     map[string]any `json:"metadata"`
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(emuURL + "emulator/connections?channel=sora")
		if err != nil {
			t.Fatal(err)
		}
		err = json.NewDecoder(resp.Body).Decode(&conns)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		done := 0
		for _, c := range conns {
			if c.Metadata["joined_at"] != nil {
				done++
			}
		}
		if done == n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d connections have joined_at after 60s", done, n)
		}
		time.Sleep(100 * time.Millisecond)
	}
	var lat []time.Duration
	for _, c := range conns {
		joined, err := time.Parse(time.RFC3339Nano, c.Metadata["joined_at"].(string))
		if err != nil {
			t.Fatalf("%s: joined_at %v: %v", c.ConnectionID, c.Metadata["joined_at"], err)
		}
		lat = append(lat, joined.Sub(created[c.ConnectionID]))
	}
	slices.Sort(lat)
	pct := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
	t.Logf("event-to-write latency over %d connections at %d/s: p50 %v, p99 %v, max %v",
		n, rate, pct(0.50).Round(100*time.Microsecond), pct(0.99).Round(100*time.Microsecond), lat[len(lat)-1].Round(100*time.Microsecond))

	// Exactly once: one ok run per connection, none found joined_at set.
	var runs struct {
		Runs []struct {
			Trigger string          `json:"trigger"`
			Outcome string          `json:"outcome"`
			Result  json.RawMessage `json:"result"`
		} `json:"runs"`
	}
	per := map[string]int{}
	waitFor := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(api + "/api/runs?job=welcome&limit=1000")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err := json.Unmarshal(body, &runs); err != nil {
			t.Fatalf("runs: %v: %s", err, body)
		}
		finished := 0
		for _, r := range runs.Runs {
			if r.Outcome != "running" {
				finished++
			}
		}
		if finished >= min(n, 1000) || time.Now().After(waitFor) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, r := range runs.Runs {
		var res struct {
			ConnectionID string `json:"connection_id"`
			Already      bool   `json:"already"`
		}
		_ = json.Unmarshal(r.Result, &res)
		if r.Trigger != "event" || r.Outcome != "ok" || res.Already || res.ConnectionID == "" {
			t.Errorf("run %s %s %s", r.Trigger, r.Outcome, r.Result)
		}
		per[res.ConnectionID]++
	}
	if len(runs.Runs) != min(n, 1000) || len(per) != min(n, 1000) {
		t.Errorf("%d runs for %d connections, want one per connection (%d)", len(runs.Runs), len(per), n)
	}
	metrics := get(t, api+"/metrics")
	for _, want := range []string{
		fmt.Sprintf(`soracron_runs_total{job="welcome",outcome="ok"} %d`, n),
		fmt.Sprintf(`soracron_events_total{result="accepted",type="connection.created"} %d`, n),
		"soracron_event_queue_depth 0",
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	return b.String()
}
