// Package e2e holds soracron's cross-package end-to-end tests: the emulator
// served on 127.0.0.1 (with injected faults), the real Sora client, the
// engine, the daemon and the command line, checked against the metadata
// the emulator holds afterwards.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/soracron/soracron/cli"
	"github.com/soracron/soracron/emulator"
	"github.com/soracron/soracron/engine"
	"github.com/soracron/soracron/internal/syncio"
	"github.com/soracron/soracron/sora"
)

// startEmulator serves a new emulator with faults on 127.0.0.1 and adds n
// connections to channel "sora", each with metadata {"n": i}. It returns
// the emulator, its server and the connection ids in order.
func startEmulator(t testing.TB, faults emulator.Faults, n int) (*emulator.Emulator, *emulator.Server, []string) {
	t.Helper()
	e := emulator.New(emulator.Options{Seed: 1})
	ids := make([]string, n)
	for i := range n {
		c, err := e.AddConnection(emulator.Connection{ChannelID: "sora", Metadata: map[string]any{"n": i}})
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = c.ConnectionID
	}
	if err := e.SetFaults(faults); err != nil {
		t.Fatal(err)
	}
	srv, err := emulator.Start(e, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return e, srv, ids
}

// newClient returns a client of url with quick retries.
func newClient(t testing.TB, url string, attempts int, timeout time.Duration) *sora.Client {
	t.Helper()
	c, err := sora.New(sora.Config{URL: url, Attempts: attempts, Timeout: timeout,
		BackoffBase: time.Millisecond, BackoffMax: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.CloseIdleConnections)
	return c
}

// writeScript writes src as name in a new directory and returns its path.
func writeScript(t testing.TB, name, src string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// runScript runs the script src with args against client.
func runScript(t testing.TB, client *sora.Client, src string, req engine.Request) (*engine.Result, error) {
	t.Helper()
	if req.Script == "" {
		req.Script = writeScript(t, "script.lua", src)
	}
	return engine.New(engine.Options{Client: client}).Run(context.Background(), req)
}

// summary is update_all's summary as a script returns it.
type summary struct {
	Connections int      `json:"connections"`
	Changed     int      `json:"changed"`
	Writes      int      `json:"writes"`
	Failed      int      `json:"failed"`
	Written     []string `json:"written"`
	NotWritten  []string `json:"not_written"`
	Errors      []struct {
		ConnectionID string `json:"connection_id"`
		Key          string `json:"key"`
		Err          struct {
			Status  int    `json:"status"`
			Type    string `json:"type"`
			Message string `json:"message"`
			Target  string `json:"target"`
		} `json:"err"`
	} `json:"errors"`
}

// decodeSummary converts a result value (Go JSON values) into a summary.
func decodeSummary(t testing.TB, v any) summary {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var s summary
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatalf("summary %s: %v", data, err)
	}
	return s
}

// withKey returns the ids of the connections of channel sora whose
// metadata has key set to want (compared as JSON), sorted.
func withKey(t testing.TB, e *emulator.Emulator, key string, want any) (has, hasNot []string) {
	t.Helper()
	w, _ := json.Marshal(want)
	for _, c := range e.Connections("sora") {
		got, _ := json.Marshal(c.Metadata[key])
		if _, ok := c.Metadata[key]; ok && bytes.Equal(got, w) {
			has = append(has, c.ConnectionID)
		} else {
			hasNot = append(hasNot, c.ConnectionID)
		}
	}
	slices.Sort(has)
	slices.Sort(hasNot)
	return has, hasNot
}

// sorted returns a sorted copy of ids.
func sorted(ids []string) []string {
	out := slices.Clone(ids)
	slices.Sort(out)
	return out
}

// settleGoroutines waits (up to 10s) for the goroutine count to come back
// to at most base, and fails the test with a dump if it does not.
func settleGoroutines(t testing.TB, base int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		n := runtime.NumGoroutine()
		if n <= base {
			return
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			t.Fatalf("goroutine leak: %d goroutines, %d before\n%s", n, base, buf)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// execute runs a soracron command line and returns its exit code, stdout
// and stderr.
func execute(t testing.TB, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr syncio.Buffer
	code := cli.Execute(context.Background(), args, cli.App{
		Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr,
		Getenv: func(k string) string { return env[k] },
	})
	return code, stdout.String(), stderr.String()
}

// repoFile is the path of a file of the repository (tests run in e2e/).
func repoFile(rel string) string { return filepath.Join("..", filepath.FromSlash(rel)) }
