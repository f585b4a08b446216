// Package etcdtest starts a real etcd server, embedded in the process, for
// the tests of the cluster mode. It is imported by tests only, so the etcd
// server is not part of the soracron binary.
//
// A test that must stop and restart etcd runs it as a separate process:
// [StartBinary] runs an installed etcd program (Debian package
// etcd-server), or the test binary calls [MainIfServer] first in its
// TestMain and [StartProcess] re-executes it as an embedded etcd server.
package etcdtest

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
)

// Server is an embedded etcd server.
type Server struct {
	// Endpoint is the client URL, "http://127.0.0.1:PORT".
	Endpoint string
	e        *embed.Etcd
}

// FreePort returns a loopback TCP port free at the time of the call.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Start starts etcd with its data in dir, serving clients on 127.0.0.1:port
// (a free port when 0). fsync is disabled (the data is a test's) unless
// the environment has SORACRON_ETCDTEST_FSYNC=1 (benchmarks).
func Start(dir string, port int) (*Server, error) {
	var err error
	if port == 0 {
		if port, err = FreePort(); err != nil {
			return nil, err
		}
	}
	peer, err := FreePort()
	if err != nil {
		return nil, err
	}
	cfg := embed.NewConfig()
	cfg.Name = "etcdtest"
	cfg.Dir = dir
	cu := url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", port)}
	pu := url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", peer)}
	cfg.ListenClientUrls, cfg.AdvertiseClientUrls = []url.URL{cu}, []url.URL{cu}
	cfg.ListenPeerUrls, cfg.AdvertisePeerUrls = []url.URL{pu}, []url.URL{pu}
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
	cfg.LogLevel = "error"
	cfg.UnsafeNoFsync = os.Getenv("SORACRON_ETCDTEST_FSYNC") != "1"
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return nil, fmt.Errorf("etcdtest: start: %w", err)
	}
	select {
	case <-e.Server.ReadyNotify():
	case <-time.After(30 * time.Second):
		e.Close()
		return nil, errors.New("etcdtest: etcd not ready within 30s")
	}
	return &Server{Endpoint: cu.String(), e: e}, nil
}

// Close stops the server.
func (s *Server) Close() { s.e.Close() }

// envServe makes the test binary serve etcd: "DIR PORT".
const envServe = "SORACRON_ETCDTEST_SERVE"

// MainIfServer serves etcd and exits when the process was started by
// StartProcess; otherwise it returns at once. Call it first in TestMain.
func MainIfServer() {
	spec := os.Getenv(envServe)
	if spec == "" {
		return
	}
	dir, p, _ := strings.Cut(spec, " ")
	port, _ := strconv.Atoi(p)
	s, err := Start(dir, port)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("READY %s\n", s.Endpoint)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	<-sig
	s.Close()
	os.Exit(0)
}

// Process is etcd running in a child process.
type Process struct {
	// Endpoint is the client URL, "http://127.0.0.1:PORT".
	Endpoint string
	// Port is the client port; PeerPort the peer port when known (0
	// for the embedded server, which picks one at each start).
	Port, PeerPort int
	cmd            *exec.Cmd
	exited         chan struct{}
	waitErr        error
}

// newProcess watches the started cmd: exited closes when it ends.
func newProcess(cmd *exec.Cmd, endpoint string, port int) *Process {
	p := &Process{Endpoint: endpoint, Port: port, cmd: cmd, exited: make(chan struct{})}
	go func() { p.waitErr = p.cmd.Wait(); close(p.exited) }()
	return p
}

// StartProcess starts etcd in a child process (the test binary itself,
// see MainIfServer) with its data in dir on 127.0.0.1:port (free when 0),
// and waits until it serves.
func StartProcess(dir string, port int) (*Process, error) {
	var err error
	if port == 0 {
		if port, err = FreePort(); err != nil {
			return nil, err
		}
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s %d", envServe, dir, port))
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("etcdtest: start process: %w", err)
	}
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if ep, ok := strings.CutPrefix(sc.Text(), "READY "); ok {
				ready <- ep
				break
			}
		}
		_, _ = io.Copy(io.Discard, out)
		close(ready)
	}()
	select {
	case ep, ok := <-ready:
		if !ok {
			_ = cmd.Wait()
			return nil, errors.New("etcdtest: the etcd process exited before serving")
		}
		return newProcess(cmd, ep, port), nil
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return nil, errors.New("etcdtest: the etcd process did not serve within 30s")
	}
}

// Pid is the process id of the etcd process.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Stop stops the process (SIGTERM, then SIGKILL after 5 s) and waits
// for it to end; stopping a stopped process does nothing.
func (p *Process) Stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(5 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
}
