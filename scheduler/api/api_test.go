package api

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/soracron/soracron/scheduler/history"
)

type apiClient struct {
	t     *testing.T
	url   string
	token string
}

// do sends a request and returns the status and body.
func (c apiClient) do(method, path string) (int, []byte) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.url+path, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return resp.StatusCode, body
}

// json sends a request, checks the status and decodes the JSON reply.
func (c apiClient) json(method, path string, status int, v any) {
	c.t.Helper()
	got, body := c.do(method, path)
	if got != status {
		c.t.Fatalf("%s %s = %d %s, want %d", method, path, got, body, status)
	}
	if v != nil {
		if err := json.Unmarshal(body, v); err != nil {
			c.t.Fatalf("%s %s: %v in %s", method, path, err, body)
		}
	}
}

const apiJobs = jobsHeader + `
jobs:
  - name: stamp
    schedule: "@every 10s"
    script: scripts/stamp.lua
    args: {channel_id: sora, connection_id: "{{conn}}"}
  - name: slow
    schedule: "0 0 * * *"
    script: scripts/sleep.lua
    args: {seconds: 60}
`

func TestDaemonAPI(t *testing.T) {
	h := newHarness(t, apiJobs)
	srv := httptest.NewServer(Handler(h.s, Options{}))
	t.Cleanup(srv.Close)
	c := apiClient{t: t, url: srv.URL}

	h.tick(10 * time.Second)
	h.waitRuns("stamp", 1, "ok", outcomeIs(history.OutcomeOK))

	t.Run("healthz", func(t *testing.T) {
		var v map[string]any
		c.json("GET", "/healthz", 200, &v)
		if v["status"] != "ok" {
			t.Errorf("healthz = %v", v)
		}
	})

	t.Run("jobs", func(t *testing.T) {
		var v struct{ Jobs []JobStatus }
		c.json("GET", "/api/jobs", 200, &v)
		if len(v.Jobs) != 2 || v.Jobs[0].Name != "stamp" || v.Jobs[1].Name != "slow" {
			t.Fatalf("jobs = %+v", v.Jobs)
		}
		j := v.Jobs[0]
		if j.Schedule != "@every 10s" || j.Timezone != "UTC" || !j.Enabled || j.Running != 0 ||
			j.NextRun == nil || !j.NextRun.Equal(epoch.Add(20*time.Second)) ||
			j.LastRun == nil || j.LastRun.Outcome != history.OutcomeOK || j.LastRun.ID != 1 {
			t.Errorf("job = %+v (last %+v)", j, j.LastRun)
		}
		if v.Jobs[1].LastRun != nil || !v.Jobs[1].NextRun.Equal(epoch.Add(24*time.Hour)) {
			t.Errorf("slow = %+v", v.Jobs[1])
		}
	})

	var manual int64
	t.Run("run now, then 409 while it runs (forbid)", func(t *testing.T) {
		var v struct {
			RunID int64 `json:"run_id"`
		}
		c.json("POST", "/api/jobs/slow/run", 202, &v)
		if v.RunID <= 1 {
			t.Fatalf("run_id = %d", v.RunID)
		}
		manual = v.RunID
		var e map[string]string
		c.json("POST", "/api/jobs/slow/run", 409, &e)
		if !strings.Contains(e["error"], "forbid") {
			t.Errorf("409 body = %v", e)
		}
		var one RunInfo
		c.json("GET", "/api/runs/"+strconv.FormatInt(manual, 10), 200, &one)
		if one.Trigger != "manual" || one.Job != "slow" || one.Scheduled != nil {
			t.Errorf("manual run = %+v", one)
		}
		var js struct{ Jobs []JobStatus }
		c.json("GET", "/api/jobs", 200, &js)
		if js.Jobs[1].Running != 1 {
			t.Errorf("slow running = %d, want 1", js.Jobs[1].Running)
		}
	})

	t.Run("runs list and get", func(t *testing.T) {
		var v struct{ Runs []RunInfo }
		c.json("GET", "/api/runs?job=stamp&limit=5", 200, &v)
		if len(v.Runs) != 1 {
			t.Fatalf("runs = %+v", v.Runs)
		}
		var all struct{ Runs []RunInfo }
		c.json("GET", "/api/runs", 200, &all)
		if len(all.Runs) != 2 || all.Runs[0].ID != manual {
			t.Errorf("all runs = %+v, want the manual run first", all.Runs)
		}
		var r RunInfo
		c.json("GET", "/api/runs/1", 200, &r)
		var result bytes.Buffer
		_ = json.Compact(&result, r.Result)
		if r.Outcome != history.OutcomeOK || result.String() != `{"runs":1}` || r.Calls != 2 ||
			r.CallsByAction["put_item"] != 1 || r.End == nil || r.DurationSeconds == nil {
			t.Errorf("run = %+v", r)
		}
		var msgs []string
		for _, l := range r.Logs {
			msgs = append(msgs, l.Msg)
		}
		// runs is a JSON number (float64 here), not the string "1".
		if len(r.Logs) != 1 || r.Logs[0].Msg != "stamped" || r.Logs[0].Level != "INFO" || r.Logs[0].Time == nil ||
			r.Logs[0].Attrs["runs"] != float64(1) {
			t.Errorf("logs = %v %+v", msgs, r.Logs)
		}
	})

	t.Run("errors", func(t *testing.T) {
		for _, tc := range []struct {
			method, path string
			status       int
		}{
			{"POST", "/api/jobs/nope/run", 404},
			{"POST", "/api/jobs/bad%20name/run", 400},
			{"POST", "/api/jobs/..%2F..%2Fetc%2Fpasswd/run", 400},
			{"POST", "/api/jobs/.hidden/run", 400},
			{"GET", "/api/jobs/nope", 404},
			{"GET", "/api/runs/abc", 400},
			{"GET", "/api/runs/0", 400},
			{"GET", "/api/runs/-1", 400},
			{"GET", "/api/runs/99999", 404},
			{"GET", "/api/runs/99999999999999999999", 400},
			{"GET", "/api/runs?limit=0", 400},
			{"GET", "/api/runs?limit=x", 400},
			{"GET", "/api/runs?job=..%2Fx", 400},
			{"GET", "/api/jobs/stamp/run", 405},
			{"DELETE", "/api/runs/1", 405},
			{"GET", "/nothing", 404},
		} {
			t.Run(tc.method+" "+tc.path, func(t *testing.T) {
				var e map[string]string
				c.json(tc.method, tc.path, tc.status, &e)
				if e["error"] == "" {
					t.Errorf("no JSON error: %v", e)
				}
			})
		}
	})

	t.Run("metrics", func(t *testing.T) {
		got, body := c.do("GET", "/metrics")
		if got != 200 {
			t.Fatalf("status %d", got)
		}
		if !strings.Contains(string(body), "\ngo_goroutines ") {
			t.Error("metrics lack the Go collector")
		}
		for _, want := range []string{
			`soracron_runs_total{job="stamp",outcome="ok"} 1`,
			`soracron_run_duration_seconds_count{job="stamp"} 1`,
			`soracron_sora_requests_total{action="get",status="200"} 1`,
			`soracron_sora_requests_total{action="put_item",status="200"} 1`,
			`soracron_jobs 2`,
			`soracron_running_runs 1`,
			`soracron_run_start_delay_seconds_count 1`,
		} {
			if !strings.Contains(string(body), "\n"+want+"\n") {
				t.Errorf("metrics lack %q", want)
			}
		}
	})
}

func TestDaemonAPIToken(t *testing.T) {
	h := newHarness(t, apiJobs)
	srv := httptest.NewServer(Handler(h.s, Options{Token: "t0ken"}))
	t.Cleanup(srv.Close)
	for _, tc := range []struct {
		name, header string
		status       int
	}{
		{"no header", "", 401},
		{"wrong token", "Bearer nope", 401},
		{"token prefix", "Bearer t0k", 401},
		{"basic", "Basic dDBrZW4=", 401},
		{"right token", "Bearer t0ken", 200},
		{"scheme case", "bearer t0ken", 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, path := range []string{"/healthz", "/metrics", "/api/jobs", "/api/runs"} {
				req, _ := http.NewRequest("GET", srv.URL+path, nil)
				if tc.header != "" {
					req.Header.Set("Authorization", tc.header)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != tc.status {
					t.Errorf("GET %s = %d, want %d", path, resp.StatusCode, tc.status)
				}
				if tc.status == 401 && resp.Header.Get("WWW-Authenticate") == "" {
					t.Errorf("401 without WWW-Authenticate")
				}
			}
		})
	}
	// A manual run is refused without the token: nothing runs.
	c := apiClient{t: t, url: srv.URL}
	c.json("POST", "/api/jobs/slow/run", 401, nil)
	if n := len(h.runs("slow")); n != 0 {
		t.Errorf("an unauthenticated request started %d runs", n)
	}
}
