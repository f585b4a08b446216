package e2e

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// builtBinaries caches the soracron binaries built by soracronBinary, by
// ldflags, for the test binary's lifetime.
var builtBinaries struct {
	sync.Mutex
	paths map[string]string
	dir   string
}

// soracronBinary builds soracron (go build, with ldflags if given) once per
// test process and returns its path. Tests that must run the real binary
// (flags, environment, signals, build information) use it.
func soracronBinary(t testing.TB, ldflags string) string {
	t.Helper()
	builtBinaries.Lock()
	defer builtBinaries.Unlock()
	if p, ok := builtBinaries.paths[ldflags]; ok {
		return p
	}
	if builtBinaries.dir == "" {
		dir, err := os.MkdirTemp("", "soracron-e2e-bin-")
		if err != nil {
			t.Fatal(err)
		}
		builtBinaries.dir = dir
		builtBinaries.paths = map[string]string{}
	}
	out := filepath.Join(builtBinaries.dir, fmt.Sprintf("soracron-%d", len(builtBinaries.paths)))
	args := []string{"build", "-o", out}
	if ldflags != "" {
		args = append(args, "-ldflags", ldflags)
	}
	cmd := exec.Command("go", append(args, ".")...)
	cmd.Dir = ".."
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	builtBinaries.paths[ldflags] = out
	return out
}

// proc is a soracron process started by startProc.
type proc struct {
	cmd    *exec.Cmd
	mu     sync.Mutex
	stderr strings.Builder
	lines  chan string
	done   chan struct{}
	err    error
}

// startProc starts bin with args and exactly the environment env (plus
// PATH and HOME), collecting stderr. The process is killed at the test's end.
func startProc(t *testing.T, bin string, env []string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}, env...)
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, lines: make(chan string, 1000), done: make(chan struct{})}
	go func() {
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			p.mu.Lock()
			p.stderr.WriteString(sc.Text() + "\n")
			p.mu.Unlock()
			select {
			case p.lines <- sc.Text():
			default:
			}
		}
		_, _ = io.Copy(io.Discard, pipe)
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.done
	})
	return p
}

// Stderr returns what the process wrote to stderr so far.
func (p *proc) Stderr() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

// wait waits up to d for the process to exit and returns its exit code.
func (p *proc) wait(t *testing.T, d time.Duration) int {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(d):
		t.Fatalf("%s did not exit within %s; stderr:\n%s", p.cmd.Args, d, p.Stderr())
	}
	if p.err == nil {
		return 0
	}
	if ee, ok := p.err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	t.Fatal(p.err)
	return -1
}

var apiAddrRE = regexp.MustCompile(`msg="http api listening" addr=(\S+)|"msg":"http api listening","addr":"([^"]+)"`)

// waitListening waits for serve's "http api listening" line and returns
// the address.
func (p *proc) waitListening(t *testing.T) string {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		select {
		case line := <-p.lines:
			if m := apiAddrRE.FindStringSubmatch(line); m != nil {
				return m[1] + m[2]
			}
		case <-p.done:
			t.Fatalf("serve exited before listening (%v):\n%s", p.err, p.Stderr())
		case <-deadline:
			t.Fatalf("serve never listened:\n%s", p.Stderr())
		}
	}
}

// freeAddr returns a loopback address with a port free right now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// runBin runs bin to completion with env and returns its exit code, stdout
// and stderr.
func runBin(t *testing.T, bin string, env []string, args ...string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}, env...)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, stdout.String(), stderr.String()
}

func TestMain(m *testing.M) {
	code := m.Run()
	if builtBinaries.dir != "" {
		_ = os.RemoveAll(builtBinaries.dir)
	}
	os.Exit(code)
}
