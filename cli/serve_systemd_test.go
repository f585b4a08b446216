package cli_test

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestServeNotifiesSystemd: under systemd (Type=notify) serve reports
// READY=1 once it runs, and STOPPING=1 when it stops, before it returns:
// a notification sent after the process exits is never sent. When serve
// sent STOPPING=1 from a goroutine it did not wait for, this test failed 6
// times in 100 (and the end-to-end systemd test once in CI).
func TestServeNotifiesSystemd(t *testing.T) {
	sockDir, err := os.MkdirTemp("", "sd") // a unix socket path must be short
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(sockDir) })
	sockPath := filepath.Join(sockDir, "notify")
	sock, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sockPath, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sock.Close() })
	t.Setenv("NOTIFY_SOCKET", sockPath) // read by the systemd library from the process environment

	_, url, conn := serveEmulator(t)
	dir := serveDir(t)
	jobs := writeServeJobs(t, dir, serveJobs, url, conn)
	s := startServe(t, "-c", jobs, "--listen", "127.0.0.1:0", "--state", filepath.Join(dir, "state.db"),
		"--shutdown-timeout", "1s")

	buf := make([]byte, 4096)
	_ = sock.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, err := sock.Read(buf)
	if err != nil || !strings.HasPrefix(string(buf[:n]), "READY=1\n") {
		t.Fatalf("first notification %q, %v; want READY=1", buf[:n], err)
	}
	if code := s.stop(); code != 0 {
		t.Fatalf("serve exited with %d", code)
	}
	// serve has returned: STOPPING=1 must be waiting in the socket now,
	// read without waiting for it.
	raw, err := sock.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var rerr error
	if err := raw.Read(func(fd uintptr) bool {
		n, _, rerr = syscall.Recvfrom(int(fd), buf, syscall.MSG_DONTWAIT)
		return true
	}); err != nil {
		t.Fatal(err)
	}
	if rerr != nil {
		t.Fatalf("no notification queued when serve returned (%v); want STOPPING=1", rerr)
	}
	if got := string(buf[:n]); !strings.HasPrefix(got, "STOPPING=1\n") {
		t.Fatalf("notification %q, want STOPPING=1", got)
	}
}
