package etcdtest

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"strings"
	"time"

	"github.com/soracron/soracron/internal/syncio"
)

// StartBinary starts the etcd program at path (Debian's etcd-server
// package installs it as etcd) as a single-member cluster with its data
// in dir, serving clients on 127.0.0.1:port and peers on
// 127.0.0.1:peerPort (each a free port when 0), and waits until it
// answers /health. Restarting it on the same dir and ports resumes the
// same cluster. The returned Process is stopped like that of
// StartProcess; its output goes into the error of a failed start.
func StartBinary(path, dir string, port, peerPort int) (*Process, error) {
	var err error
	if port == 0 {
		if port, err = FreePort(); err != nil {
			return nil, err
		}
	}
	if peerPort == 0 {
		if peerPort, err = FreePort(); err != nil {
			return nil, err
		}
	}
	client := fmt.Sprintf("http://127.0.0.1:%d", port)
	peer := fmt.Sprintf("http://127.0.0.1:%d", peerPort)
	cmd := exec.Command(path,
		"--name", "etcdtest",
		"--data-dir", dir,
		"--listen-client-urls", client,
		"--advertise-client-urls", client,
		"--listen-peer-urls", peer,
		"--initial-advertise-peer-urls", peer,
		"--initial-cluster", "etcdtest="+peer,
		"--initial-cluster-state", "new",
		"--logger", "zap",
		"--log-level", "warn",
	)
	logs := &syncio.Buffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("etcdtest: start %s: %w", path, err)
	}
	p := newProcess(cmd, client, port)
	p.PeerPort = peerPort
	deadline := time.Now().Add(30 * time.Second)
	hc := &http.Client{Timeout: time.Second}
	for {
		if healthy(hc, client) {
			return p, nil
		}
		select {
		case <-p.exited:
			return nil, fmt.Errorf("etcdtest: %s exited before serving (%v):\n%s", path, p.waitErr, logs.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			p.Stop()
			return nil, fmt.Errorf("etcdtest: %s did not serve within 30s:\n%s", path, logs.String())
		}
	}
}

// healthy reports whether etcd at endpoint answers /health with a leader.
func healthy(hc *http.Client, endpoint string) bool {
	resp, err := hc.Get(endpoint + "/health")
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode == http.StatusOK && strings.Contains(string(body), `"health":"true"`)
}

// errNoEtcd is returned by LookBinary when no etcd program is installed.
var errNoEtcd = errors.New("etcdtest: no etcd program in PATH (Debian package etcd-server)")

// LookBinary returns the path of the etcd program in PATH, or an error
// naming the Debian package that installs it.
func LookBinary() (string, error) {
	path, err := exec.LookPath("etcd")
	if err != nil {
		return "", fmt.Errorf("%w: %v", errNoEtcd, err)
	}
	return path, nil
}
