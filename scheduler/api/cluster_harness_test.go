package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/soracron/soracron/emulator"
	"github.com/soracron/soracron/engine"
	"github.com/soracron/soracron/internal/syncio"
	"github.com/soracron/soracron/jobs"
	"github.com/soracron/soracron/scheduler"
	"github.com/soracron/soracron/scheduler/cluster"
	"github.com/soracron/soracron/scheduler/history"
	"github.com/soracron/soracron/scheduler/metrics"
	"github.com/soracron/soracron/sora"
)

// clusterTTL is the session TTL of the replicas of the cluster tests.
const clusterTTL = 3 * time.Second

// clusterWorld is what the replicas of a cluster test share: the embedded
// etcd (under a key prefix of the test), the emulator, and jobs.yaml.
type clusterWorld struct {
	t        *testing.T
	endpoint string
	prefix   string
	dir      string
	cfgPath  string
	conn     string // a connection of channel "sora"
	emu      *emulator.Emulator
	mu       sync.Mutex
	replicas []*replica
}

// replica is one daemon of a cluster test: its cluster membership, its
// own history and engine, the real clock, and its HTTP API served on
// 127.0.0.1.
type replica struct {
	node  string
	cl    *cluster.Cluster
	store *history.Store
	s     *scheduler.Scheduler
	srv   *httptest.Server
	logs  *syncio.Buffer
	stop  func() // stops the daemon and leaves the cluster (once)
}

// clusterScripts are the scripts of the cluster tests: record.lua puts
// "ran_<event id>_<unix nanoseconds>" on the connection args.conn (so
// that the emulator's state shows every run); sleep.lua sleeps
// args.seconds.
var clusterScripts = map[string]string{
	"record.lua": `local sora = require("sora")
local time = require("time")
local id = "tick"
if event ~= nil then id = event.id or event.timestamp or "none" end
assert(sora.put_item("sora", args.conn, "ran_" .. id .. "_" .. string.format("%.6f", time.now()), true))
if (args.seconds or 0) > 0 then time.sleep(args.seconds) end
`,
	"sleep.lua": `local time = require("time")
time.sleep(args.seconds or 60)
`,
}

// newClusterWorld prepares a cluster test: yaml is jobs.yaml ({{url}} the
// emulator's URL, {{conn}} the connection's id).
func newClusterWorld(t *testing.T, yaml string) *clusterWorld {
	t.Helper()
	w := &clusterWorld{t: t, endpoint: sharedEtcd(t), dir: t.TempDir(),
		prefix: fmt.Sprintf("t/%s/%d/", strings.ReplaceAll(t.Name(), "/", "_"), time.Now().UnixNano())}
	w.emu = emulator.New(emulator.Options{})
	srv, err := emulator.Start(w.emu, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	c, err := w.emu.AddConnection(emulator.Connection{ChannelID: "sora", Metadata: map[string]any{}})
	if err != nil {
		t.Fatal(err)
	}
	w.conn = c.ConnectionID
	for name, src := range clusterScripts {
		if err := os.WriteFile(filepath.Join(w.dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	w.cfgPath = filepath.Join(w.dir, "jobs.yaml")
	w.writeJobs(strings.NewReplacer("{{url}}", srv.URL, "{{conn}}", c.ConnectionID).Replace(yaml))
	t.Cleanup(func() {
		w.mu.Lock()
		rs := w.replicas
		w.mu.Unlock()
		for _, r := range rs {
			r.stop()
		}
		if t.Failed() {
			for _, r := range rs {
				t.Logf("log of replica %s:\n%s", r.node, r.logs.String())
			}
		}
	})
	return w
}

// writeJobs writes jobs.yaml.
func (w *clusterWorld) writeJobs(yaml string) {
	w.t.Helper()
	if err := os.WriteFile(w.cfgPath, []byte(yaml), 0o644); err != nil {
		w.t.Fatal(err)
	}
}

// load reads jobs.yaml.
func (w *clusterWorld) load() *jobs.Config {
	w.t.Helper()
	cfg, err := jobs.Load(w.cfgPath, func(string) (string, bool) { return "", false })
	if err != nil {
		w.t.Fatalf("jobs.yaml: %v", err)
	}
	return cfg
}

// start starts a replica named node and waits for its etcd session.
func (w *clusterWorld) start(node string) *replica {
	w.t.Helper()
	return w.startAt(node, w.endpoint, true)
}

// startAt starts a replica of etcd at endpoint; wait says whether to wait
// for its session.
func (w *clusterWorld) startAt(node, endpoint string, wait bool) *replica {
	t := w.t
	t.Helper()
	cfg := w.load()
	r := &replica{node: node, logs: &syncio.Buffer{}}
	logger := slog.New(slog.NewTextHandler(r.logs, &slog.HandlerOptions{Level: slog.LevelDebug})).With("node", node)
	var err error
	r.cl, err = cluster.Open(cluster.Options{Endpoints: []string{endpoint}, Prefix: w.prefix, SessionTTL: clusterTTL,
		Node: node, Logger: logger, Deferred: true, DialTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	metrics := metrics.New()
	client, err := sora.New(sora.Config{URL: cfg.Sora.URL, Timeout: time.Second, Attempts: cfg.Sora.Attempts(),
		OnRequest: metrics.ObserveRequest})
	if err != nil {
		t.Fatal(err)
	}
	r.store, err = history.Open(filepath.Join(w.dir, node+".db"), history.Options{Keep: cfg.HistoryKeep})
	if err != nil {
		t.Fatal(err)
	}
	r.s, err = scheduler.New(scheduler.Options{Config: cfg, Runner: engine.New(engine.Options{Client: client, Logger: logger}),
		History: r.store, Logger: logger, Metrics: metrics, Cluster: r.cl, ShutdownTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.s.Run(ctx) }()
	r.srv = httptest.NewServer(Handler(r.s, Options{}))
	var once sync.Once
	r.stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("replica %s: Run: %v", node, err)
				}
			case <-time.After(30 * time.Second):
				t.Errorf("replica %s: Run did not return", node)
			}
			r.srv.Close()
			_ = r.cl.Close()
			_ = r.store.Close()
			client.CloseIdleConnections()
		})
	}
	w.mu.Lock()
	w.replicas = append(w.replicas, r)
	w.mu.Unlock()
	if wait {
		wctx, wcancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer wcancel()
		if err := r.cl.WaitSession(wctx); err != nil {
			t.Fatalf("replica %s: %v", node, err)
		}
	}
	return r
}

// do sends a request to the replica's API and decodes its JSON answer
// into out (when not nil); it returns the status.
func (r *replica) do(t *testing.T, method, path string, body any, out any) int {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, r.srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: %d %s: %v", method, path, resp.StatusCode, data, err)
		}
	}
	return resp.StatusCode
}

// runs returns the runs of job in the replica's history that match cond.
func (r *replica) runs(t *testing.T, job string, cond func(history.Run) bool) []history.Run {
	t.Helper()
	all, err := r.store.List(context.Background(), job, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []history.Run
	for _, run := range all {
		if cond(run) {
			out = append(out, run)
		}
	}
	return out
}

// ranKeys returns the metadata keys record.lua wrote for the event id.
func (w *clusterWorld) ranKeys(id string) []string {
	w.t.Helper()
	md, ok := w.emu.Metadata("sora", w.conn)
	if !ok {
		w.t.Fatal("the test connection is gone")
	}
	var keys []string
	for k := range md {
		if strings.HasPrefix(k, "ran_"+id+"_") {
			keys = append(keys, k)
		}
	}
	return keys
}

// idle waits until no replica has an event queued or a run in progress.
func (w *clusterWorld) idle() {
	w.t.Helper()
	w.mu.Lock()
	rs := w.replicas
	w.mu.Unlock()
	waitFor(w.t, 30*time.Second, func() bool {
		for _, r := range rs {
			if r.s.EventQueued() > 0 || r.s.Health().Running > 0 {
				return false
			}
		}
		return true
	}, "every replica idle")
}
