package cli_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/soracron/soracron/cli"
)

// emulatorRun is `soracron emulator` running in the background.
type emulatorRun struct {
	url    string
	lines  []string // stderr up to the listening line
	rest   chan string
	cancel context.CancelFunc
	code   chan int
}

// startEmulator runs `soracron emulator args...` until its listening line.
func startEmulator(t *testing.T, args ...string) *emulatorRun {
	t.Helper()
	pr, pw := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	run := &emulatorRun{cancel: cancel, code: make(chan int, 1), rest: make(chan string, 100)}
	go func() {
		run.code <- cli.Execute(ctx, append([]string{"emulator"}, args...), cli.App{Stdout: io.Discard, Stderr: pw})
		pw.Close()
	}()
	t.Cleanup(func() {
		cancel()
		<-run.code
	})
	sc := bufio.NewScanner(pr)
	const prefix = "soracron emulator listening on "
	for sc.Scan() {
		line := sc.Text()
		run.lines = append(run.lines, line)
		if u, ok := strings.CutPrefix(line, prefix); ok {
			run.url = u
			break
		}
	}
	if run.url == "" {
		t.Fatalf("no listening line; stderr:\n%s", strings.Join(run.lines, "\n"))
	}
	go func() { // keep draining stderr so the command never blocks on it
		defer close(run.rest)
		for sc.Scan() {
			select {
			case run.rest <- sc.Text():
			default:
			}
		}
	}()
	return run
}

// stop cancels the command's context and returns its exit code.
func (r *emulatorRun) stop() int {
	r.cancel()
	code := <-r.code
	r.code <- code // for the cleanup
	return code
}

func postSora(t *testing.T, url, target, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("x-sora-target", target)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

func TestEmulatorCommand(t *testing.T) {
	fixture := filepath.Join(t.TempDir(), "fixture.yaml")
	err := os.WriteFile(fixture, []byte("channels:\n  sora:\n    - connection_id: 0FQE5EA5YN3FS13P01QZ1JG8R0\n      metadata: {abc: 10}\n"), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	run := startEmulator(t, "--listen", "127.0.0.1:0", "--fixture", fixture, "--generate", "sora=2", "--generate", "lobby=3",
		"--seed", "7", "--cors-origin", "http://localhost:8080")
	stderr := strings.Join(run.lines, "\n")
	for _, want := range []string{"loaded fixture " + fixture, `channel "lobby": 3 connections`, `channel "sora": 3 connections`} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if strings.Contains(stderr, "warning") {
		t.Errorf("warning for a loopback address:\n%s", stderr)
	}
	if !strings.HasPrefix(run.url, "http://127.0.0.1:") || !strings.HasSuffix(run.url, "/") {
		t.Fatalf("url %q", run.url)
	}
	status, body := postSora(t, run.url, "Sora_20201124.GetSignalingNotifyMetadata",
		`{"channel_id":"sora","connection_id":"0FQE5EA5YN3FS13P01QZ1JG8R0"}`)
	if status != 200 || string(body) != `{"abc":10}` {
		t.Errorf("get: %d %s", status, body)
	}
	status, body = postSora(t, run.url, "Sora_20201124.ListSignalingNotifyMetadata", `{"channel_id":"lobby"}`)
	var list []map[string]any
	if err := json.Unmarshal(body, &list); err != nil || status != 200 || len(list) != 3 {
		t.Errorf("list lobby: %d %s", status, body)
	}
	if code := run.stop(); code != cli.ExitOK {
		t.Errorf("exit code %d after cancel, want 0", code)
	}
	if _, err := http.Get(run.url + "emulator/state"); err == nil {
		t.Error("still serving after the context was cancelled")
	}
}

func TestEmulatorCommandWarnsOffLoopback(t *testing.T) {
	run := startEmulator(t, "--listen", "0.0.0.0:0")
	if stderr := strings.Join(run.lines, "\n"); !strings.Contains(stderr, "warning: 0.0.0.0:0 is not a loopback address") {
		t.Errorf("no warning:\n%s", stderr)
	}
	if code := run.stop(); code != cli.ExitOK {
		t.Errorf("exit code %d", code)
	}
}

func TestEmulatorCommandUsageErrors(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing.yaml")
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte("channels:\n  sora:\n    - colour: red\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"generate without count", []string{"--generate", "sora"}, "want CHANNEL=COUNT"},
		{"generate bad count", []string{"--generate", "sora=lots"}, "COUNT must be a whole number"},
		{"generate zero", []string{"--generate", "sora=0"}, "COUNT must be a whole number"},
		{"listen without port", []string{"--listen", "127.0.0.1"}, "--listen"},
		{"missing fixture", []string{"--fixture", missing}, "missing.yaml"},
		{"bad fixture", []string{"--fixture", bad}, `line 3: unknown key "colour"`},
		{"bad seed", []string{"--seed", "x"}, "--seed"},
		{"argument", []string{"extra"}, "unknown command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			args := append([]string{"emulator", "--listen", "127.0.0.1:0"}, tt.args...)
			code := cli.Execute(context.Background(), args, cli.App{Stdout: io.Discard, Stderr: &stderr})
			if code != cli.ExitUsage {
				t.Errorf("exit code %d, want %d; stderr: %s", code, cli.ExitUsage, stderr.String())
			}
			if !strings.Contains(stderr.String(), tt.want) {
				t.Errorf("stderr %q lacks %q", stderr.String(), tt.want)
			}
		})
	}
	t.Run("port in use", func(t *testing.T) {
		run := startEmulator(t, "--listen", "127.0.0.1:0")
		addr := strings.TrimSuffix(strings.TrimPrefix(run.url, "http://"), "/")
		var stderr bytes.Buffer
		code := cli.Execute(context.Background(), []string{"emulator", "--listen", addr}, cli.App{Stdout: io.Discard, Stderr: &stderr})
		if code != cli.ExitFailure || !strings.Contains(stderr.String(), "listen") {
			t.Errorf("exit code %d, stderr %q", code, stderr.String())
		}
	})
}

func TestEmulatorHelp(t *testing.T) {
	var out bytes.Buffer
	code := cli.Execute(context.Background(), []string{"emulator", "--help"}, cli.App{Stdout: &out, Stderr: &out})
	if code != cli.ExitOK {
		t.Fatalf("exit code %d", code)
	}
	for _, want := range []string{"--listen", "--fixture", "--generate", "--cors-origin", "--seed", "/emulator/connections", "channels:"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("help lacks %q", want)
		}
	}
}
