package api

import (
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

// post sends a POST with a JSON body and decodes the reply.
func (c apiClient) post(path, body string, status int, v any) {
	c.t.Helper()
	resp, err := http.Post(c.url+path, "application/json", strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != status {
		c.t.Fatalf("POST %s %s = %d %s, want %d", path, body, resp.StatusCode, data, status)
	}
	if v != nil {
		if err := json.Unmarshal(data, v); err != nil {
			c.t.Fatalf("POST %s: %v in %s", path, err, data)
		}
	}
}

func TestSuspendResume(t *testing.T) {
	h := newHarness(t, apiJobs)
	srv := httptest.NewServer(Handler(h.s, Options{}))
	t.Cleanup(srv.Close)
	c := apiClient{t: t, url: srv.URL}

	var j JobStatus
	c.json("POST", "/api/jobs/stamp/suspend", 200, &j)
	if !j.Suspended || j.SuspendedAt == nil || j.NextRun != nil {
		t.Fatalf("suspended job = %+v", j)
	}
	c.json("POST", "/api/jobs/stamp/suspend", 200, &j) // idempotent
	t.Run("ticks of a suspended job start nothing and are not recorded", func(t *testing.T) {
		for range 3 {
			h.tick(10 * time.Second)
		}
		h.clock.WaitTimers(t, 1)
		if runs := h.runs("stamp"); len(runs) != 0 {
			t.Fatalf("runs of a suspended job: %+v", runs)
		}
	})
	t.Run("metrics", func(t *testing.T) {
		_, body := c.do("GET", "/metrics")
		for _, want := range []string{`soracron_job_suspended{job="stamp"} 1`, `soracron_job_suspended{job="slow"} 0`,
			`soracron_job_next_run_timestamp_seconds{job="slow"} 1.735776e+09`} {
			if !strings.Contains(string(body), want) {
				t.Errorf("metrics lack %q", want)
			}
		}
		if strings.Contains(string(body), `soracron_job_next_run_timestamp_seconds{job="stamp"}`) {
			t.Error("a suspended job has a next run in the metrics")
		}
	})
	t.Run("a manual run of a suspended job runs", func(t *testing.T) {
		var v struct {
			RunID int64 `json:"run_id"`
		}
		c.post("/api/jobs/stamp/run", `{"args": {"extra": 1.50}, "dry_run": true}`, 202, &v)
		h.waitRuns("stamp", 1, "ok", outcomeIs(history.OutcomeOK))
		var r RunInfo
		c.json("GET", "/api/runs/"+strconv.FormatInt(v.RunID, 10), 200, &r)
		if !r.DryRun || r.Trigger != "manual" || r.Writes != 1 {
			t.Errorf("manual dry run = %+v", r)
		}
	})
	c.json("POST", "/api/jobs/stamp/resume", 200, &j)
	if j.Suspended || j.SuspendedAt != nil || j.NextRun == nil {
		t.Fatalf("resumed job = %+v", j)
	}
	t.Run("a resumed job runs at its next tick", func(t *testing.T) {
		h.tick(10 * time.Second)
		h.waitRuns("stamp", 2, "ok", outcomeIs(history.OutcomeOK))
		_, body := c.do("GET", "/metrics")
		if !strings.Contains(string(body), `soracron_job_suspended{job="stamp"} 0`) ||
			!strings.Contains(string(body), `soracron_job_last_success_timestamp_seconds{job="stamp"} `) {
			t.Errorf("metrics after resume:\n%s", body)
		}
	})
	t.Run("errors", func(t *testing.T) {
		for _, tc := range []struct{ name, path, body string }{
			{"unknown job", "/api/jobs/nope/suspend", ""},
			{"unknown job resumed", "/api/jobs/nope/resume", ""},
		} {
			t.Run(tc.name, func(t *testing.T) { c.post(tc.path, tc.body, 404, nil) })
		}
		for _, tc := range []struct{ name, body string }{
			{"not JSON", `{`},
			{"unknown field", `{"argz": {}}`},
			{"args not an object", `{"args": [1]}`},
			{"trailing data", `{} {}`},
		} {
			t.Run(tc.name, func(t *testing.T) { c.post("/api/jobs/stamp/run", tc.body, 400, nil) })
		}
		// A body cut short names the body and says it ended early, not a
		// bare "unexpected EOF".
		for _, tc := range []struct{ name, body string }{
			{"cut short", `{`},
			{"cut short in args", `{"args": {"minutes": 1`},
			{"cut short in a string", `{"args": {"who": "a`},
		} {
			t.Run(tc.name, func(t *testing.T) {
				var e struct {
					Error string `json:"error"`
				}
				c.post("/api/jobs/stamp/run", tc.body, 400, &e)
				if !strings.HasPrefix(e.Error, "body: ") || !strings.Contains(e.Error, "the JSON ended before the value was complete") {
					t.Errorf("error %q, want the body named and the end of the JSON said", e.Error)
				}
			})
		}
	})
}
