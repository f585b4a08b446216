package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestServeTruthProcess: the same truths through `soracron serve` (a real
// process) against the emulator with faults. A run whose writes fail after
// retries is recorded partial (history row, API, metric) and retried; a
// script returning nil, err is failed; a write to a connection gone keeps
// the run ok; and a forbid job that overlaps itself every second keeps its
// failures however many skips it records (keep_skipped: 2).
func TestServeTruthProcess(t *testing.T) {
	e, srv, _ := startEmulator(t, putItemFaults(5, 0.5, 500), 40)
	// A webhook receiver of the notifications.
	notified := make(chan map[string]any, 10)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m map[string]any
		if json.NewDecoder(r.Body).Decode(&m) == nil {
			notified <- m
		}
	}))
	defer hook.Close()
	dir := t.TempDir()
	scripts := map[string]string{
		"away.lua":   `local sora = require("sora")` + "\n" + `return sora.update_all("sora", function(md) md.status = "away" end)`,
		"nilerr.lua": `return nil, "nothing to do: the channel is empty"`,
		"gone.lua": `local sora = require("sora")
local _, err = sora.put("sora", "0000000000000000000000NOPE", {k = 1})  -- put: no faults on it
assert(err.type == "connection_not_found")`,
		"slow.lua": "require('time').sleep(2.5)\nerror('slow failed')\n",
	}
	for name, src := range scripts {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	jobsYAML := fmt.Sprintf(`sora: {url: %q, retries: 0}
history: {keep_skipped: 2}
notify: {webhooks: [{url: %q, on: [partial]}]}
jobs:
  - {name: away, schedule: "@every 1h", script: away.lua, retries: {max: 1, backoff: 10ms}}
  - {name: nilerr, schedule: "@every 1h", script: nilerr.lua}
  - {name: gone, schedule: "@every 1h", script: gone.lua}
  - {name: slow, schedule: "@every 1s", script: slow.lua, concurrency_policy: forbid, timeout: 10s}
`, srv.URL, hook.URL+"/hook")
	path := filepath.Join(dir, "jobs.yaml")
	if err := os.WriteFile(path, []byte(jobsYAML), 0o644); err != nil {
		t.Fatal(err)
	}
	_, api := startServe(t, "serve", "-c", path, "--listen", "127.0.0.1:0", "--state", filepath.Join(dir, "state.db"))
	for _, job := range []string{"away", "nilerr", "gone"} {
		resp, err := http.Post(api+"/api/jobs/"+job+"/run", "", nil)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
	}

	type run struct {
		ID      int64  `json:"id"`
		Job     string `json:"job"`
		Attempt int    `json:"attempt"`
		Outcome string `json:"outcome"`
		Error   string `json:"error"`
	}
	var runs []run
	byJob := map[string][]run{}
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get(api + "/api/runs?limit=1000")
		if err != nil {
			t.Fatal(err)
		}
		var out struct {
			Runs []run `json:"runs"`
		}
		err = json.NewDecoder(resp.Body).Decode(&out)
		_ = resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		runs = out.Runs
		byJob = map[string][]run{}
		for _, r := range runs {
			byJob[r.Job] = append(byJob[r.Job], r)
		}
		done := func(job string, n int) bool {
			finished := 0
			for _, r := range byJob[job] {
				if r.Outcome != "running" {
					finished++
				}
			}
			return finished >= n
		}
		// slow: two failed runs and the skips while they ran.
		slowFailed := 0
		for _, r := range byJob["slow"] {
			if r.Outcome == "failed" {
				slowFailed++
			}
		}
		if done("away", 2) && done("nilerr", 1) && done("gone", 1) && slowFailed >= 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("runs never finished: %+v", runs)
		}
		time.Sleep(100 * time.Millisecond)
	}

	// away: partial, retried once (attempt 2), the error says how many failed.
	away := byJob["away"]
	if len(away) != 2 || away[1].Outcome != "partial" || away[1].Attempt != 1 || away[0].Attempt != 2 {
		t.Errorf("away runs (newest first) %+v, want attempt 1 partial then attempt 2", away)
	}
	_, hasNot := withKey(t, e, "status", "away")
	if !strings.HasPrefix(away[1].Error, "partial: ") || !strings.Contains(away[1].Error, "writes failed after retries; first: ") {
		t.Errorf("partial run error %q", away[1].Error)
	}
	if away[0].Outcome == "partial" && len(hasNot) == 0 || away[0].Outcome == "ok" && len(hasNot) != 0 {
		t.Errorf("the retry ended %s but %d connections are not written", away[0].Outcome, len(hasNot))
	}
	t.Logf("away: attempt 1 %s, attempt 2 %s", away[1].Outcome, away[0].Outcome)
	if away[0].Outcome == "partial" {
		// Still partial after its retry: the operator is told.
		select {
		case m := <-notified:
			if m["event"] != "partial" || m["job"] != "away" || m["outcome"] != "partial" {
				t.Errorf("notification %v", m)
			}
		case <-time.After(10 * time.Second):
			t.Error("no partial notification")
		}
	}
	if r := byJob["nilerr"]; len(r) != 1 || r[0].Outcome != "failed" || !strings.Contains(r[0].Error, "nothing to do: the channel is empty") {
		t.Errorf("nilerr runs %+v, want one failed with the error", r)
	}
	if r := byJob["gone"]; len(r) != 1 || r[0].Outcome != "ok" {
		t.Errorf("gone runs %+v, want one ok", r)
	}
	// slow: the skips (one a second while each run takes 2.5 s) are capped
	// at 2 and never evict the failures.
	kinds := map[string]int{}
	for _, r := range byJob["slow"] {
		kinds[r.Outcome]++
	}
	if kinds["skipped"] != 2 || kinds["failed"] < 2 {
		t.Errorf("slow runs by outcome %v, want 2 skipped and every failure", kinds)
	}

	// The metric counts partial runs as partial, not ok.
	resp, err := http.Get(api + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	for _, want := range []string{`soracron_runs_total{job="away",outcome="partial"} `, `soracron_runs_total{job="nilerr",outcome="failed"} 1`} {
		if !strings.Contains(string(metrics), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	// The history row has it too.
	resp, err = http.Get(fmt.Sprintf("%s/api/runs/%d", api, away[1].ID))
	if err != nil {
		t.Fatal(err)
	}
	var one run
	_ = json.NewDecoder(resp.Body).Decode(&one)
	_ = resp.Body.Close()
	if one.Outcome != "partial" {
		t.Errorf("GET /api/runs/%d: outcome %q, want partial", away[1].ID, one.Outcome)
	}
}
