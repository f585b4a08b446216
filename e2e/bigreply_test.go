package e2e

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/soracron/soracron/emulator"
)

// TestBigListReply reads a channel whose List reply is over 32 MiB (the
// old fixed cap): with --max-reply-size above it, sora.list sees every
// connection (however long the decoding takes: the request timeout bounds
// each wait for the server, not the whole streamed reply); with it below,
// the run fails with a message that names the setting.
func TestBigListReply(t *testing.T) {
	if testing.Short() {
		t.Skip("generates a channel of 250,000 connections")
	}
	const n = 250000
	e := emulator.New(emulator.Options{Seed: 1})
	e.Generate("big", n)
	srv, err := emulator.Start(e, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })

	req, err := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(`{"channel_id":"big"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Sora-Target", "Sora_20201124.ListSignalingNotifyMetadata")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	size, err := io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("list: status %d, %v", resp.StatusCode, err)
	}
	if size <= 32<<20 {
		t.Fatalf("list reply of %d bytes, want over 32 MiB", size)
	}
	t.Logf("list reply: %d bytes for %d connections (%d bytes each)", size, n, size/n)

	dir := t.TempDir()
	script := filepath.Join(dir, "big.lua")
	src := `local sora = require("sora")
local l = assert(sora.list("big"))
print("connections=" .. #l)
`
	if err := os.WriteFile(script, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Run("raised cap reads it", func(t *testing.T) {
		code, stdout, stderr := execute(t, nil, "run", "--sora-url", srv.URL, "--max-reply-size", "64MiB", script)
		if code != 0 {
			t.Fatalf("exit %d, stderr:\n%s", code, stderr)
		}
		want := "connections=" + strconv.Itoa(n)
		if !strings.Contains(stdout+stderr, want) {
			t.Errorf("output %q %q, want %q", stdout, stderr, want)
		}
	})
	t.Run("over the cap is refused", func(t *testing.T) {
		code, _, stderr := execute(t, nil, "run", "--sora-url", srv.URL, "--max-reply-size", "32MiB", script)
		want := "sora.list: Sora_20201124.ListSignalingNotifyMetadata: reply too large: over 33554432 bytes (raise --max-reply-size or sora.max_reply_size)"
		if code != 1 || !strings.Contains(stderr, want) {
			t.Errorf("exit %d, stderr:\n%s\nwant %q", code, stderr, want)
		}
	})
}
