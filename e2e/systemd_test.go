package e2e

import (
	"bufio"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

const unitFile = "../deploy/systemd/soracron.service"

// readUnit returns the [Service] settings of a unit file, in order.
func readUnit(t *testing.T, path string) map[string][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string][]string{}
	section := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
		case strings.HasPrefix(line, "["):
			section = strings.Trim(line, "[]")
		default:
			k, v, _ := strings.Cut(line, "=")
			out[section+"."+k] = append(out[section+"."+k], v)
		}
	}
	return out
}

// TestSystemdUnitVerify runs `systemd-analyze verify` on the unit (with
// ExecStart pointing at a freshly built binary, which verify requires to
// exist) and fails on any complaint, warnings included.
func TestSystemdUnitVerify(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("systemd-analyze is missing: install the Debian package systemd")
		}
		t.Skip("systemd-analyze is missing: install the Debian package systemd")
	}
	bin := soracronBinary(t, "")
	data, err := os.ReadFile(unitFile)
	if err != nil {
		t.Fatal(err)
	}
	unit := strings.ReplaceAll(string(data), "/usr/local/bin/soracron", bin)
	path := filepath.Join(t.TempDir(), "soracron.service")
	if err := os.WriteFile(path, []byte(unit), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(analyze, "verify", path).CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}

// TestSystemdUnitRuns checks what the unit promises and then does what
// systemd would with it, without systemd: ExecStart runs with the unit's
// Environment= (%S and /etc/soracron moved to temporary directories) and
// a NOTIFY_SOCKET; serve must say READY=1; ExecReload, run as written,
// must bring RELOADING=1 and READY=1 again; KillSignal must bring
// STOPPING=1 and exit 0 within TimeoutStopSec.
func TestSystemdUnitRuns(t *testing.T) {
	u := readUnit(t, unitFile)
	for key, want := range map[string]string{
		"Service.Type": "notify", "Service.ProtectSystem": "strict", "Service.NoNewPrivileges": "yes",
		"Service.DynamicUser": "yes", "Service.StateDirectory": "soracron", "Service.KillSignal": "SIGTERM",
	} {
		if got := u[key]; len(got) != 1 || got[0] != want {
			t.Errorf("%s=%q, want %q", key, got, want)
		}
	}
	for _, key := range []string{"Service.MemoryMax", "Service.EnvironmentFile", "Service.ExecReload", "Service.TimeoutStopSec"} {
		if len(u[key]) == 0 {
			t.Errorf("%s is missing", key)
		}
	}
	env := map[string]string{}
	for _, e := range u["Service.Environment"] {
		for _, kv := range strings.Fields(e) {
			k, v, _ := strings.Cut(kv, "=")
			env[k] = v
		}
	}
	// Every SORACRON_ variable of the unit must set a flag of the command.
	execArgs := strings.Fields(u["Service.ExecStart"][0])[1:]
	_, help, _ := runBin(t, soracronBinary(t, ""), nil, append(execArgs, "--help")...)
	for k := range env {
		if strings.HasPrefix(k, "SORACRON_") && !strings.Contains(help, "[$"+k+"]") {
			t.Errorf("Environment=%s: soracron %s has no flag it sets", k, execArgs[0])
		}
	}
	shutdown, err := time.ParseDuration(env["SORACRON_SHUTDOWN_TIMEOUT"])
	if err != nil {
		t.Fatalf("SORACRON_SHUTDOWN_TIMEOUT: %v", err)
	}
	stopSec, err := strconv.Atoi(u["Service.TimeoutStopSec"][0])
	if err != nil || time.Duration(stopSec)*time.Second <= shutdown {
		t.Errorf("TimeoutStopSec=%s must be longer than SORACRON_SHUTDOWN_TIMEOUT=%s", u["Service.TimeoutStopSec"], shutdown)
	}

	// Lay out /etc/soracron as the README says, and %S.
	root := t.TempDir()
	etc := filepath.Join(root, "etc", "soracron")
	copyFile(t, "../jobs.yaml", filepath.Join(etc, "jobs.yaml"), 0o644)
	for _, s := range []string{"mark_busy.lua", "set_key.lua", "cleanup_stale.lua"} {
		copyFile(t, "../scripts/"+s, filepath.Join(etc, "scripts", s), 0o644)
	}
	stateDir := filepath.Join(root, "var", "lib")
	if err := os.MkdirAll(filepath.Join(stateDir, "soracron"), 0o700); err != nil {
		t.Fatal(err)
	}
	sockDir, err := os.MkdirTemp("", "sd")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(sockDir)
	sockPath := filepath.Join(sockDir, "notify")
	sock, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sockPath, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer sock.Close()

	// Port 8080 may be taken on the test machine: the address is the one
	// setting added, by its variable.
	procEnv := []string{"NOTIFY_SOCKET=" + sockPath, "SORACRON_LISTEN=" + freeAddr(t)}
	for k, v := range env {
		v = strings.ReplaceAll(v, "%S", stateDir)
		v = strings.ReplaceAll(v, "/etc/soracron", etc)
		procEnv = append(procEnv, k+"="+v)
	}
	execStart := strings.Fields(u["Service.ExecStart"][0])
	if execStart[0] != "/usr/local/bin/soracron" {
		t.Fatalf("ExecStart %q: the README installs the binary as /usr/local/bin/soracron", execStart)
	}
	p := startProc(t, soracronBinary(t, ""), procEnv, execStart[1:]...)

	notes := make(chan string, 16)
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := sock.Read(buf)
			if err != nil {
				close(notes)
				return
			}
			notes <- string(buf[:n])
		}
	}()
	expect := func(state string) {
		t.Helper()
		select {
		case msg := <-notes:
			if !strings.HasPrefix(msg, state+"\n") && msg != state {
				t.Fatalf("notification %q, want %s", msg, state)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("no %s notification; stderr:\n%s", state, p.Stderr())
		}
	}
	expect("READY=1")
	if _, err := os.Stat(filepath.Join(stateDir, "soracron", "soracron.db")); err != nil {
		t.Errorf("state not in StateDirectory: %v", err)
	}

	reload := strings.ReplaceAll(u["Service.ExecReload"][0], "$MAINPID", strconv.Itoa(p.cmd.Process.Pid))
	argv := strings.Fields(reload)
	if out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput(); err != nil {
		t.Fatalf("ExecReload %q: %v %s", reload, err, out)
	}
	expect("RELOADING=1")
	expect("READY=1")
	waitFor(t, p, "configuration reloaded", "reload")

	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	expect("STOPPING=1")
	if code := p.wait(t, time.Duration(stopSec)*time.Second); code != 0 {
		t.Errorf("exit %d after SIGTERM, want 0:\n%s", code, p.Stderr())
	}
}
