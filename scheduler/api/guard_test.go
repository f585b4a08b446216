package api

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/soracron/soracron/scheduler/history"
)

// TestGuardCrossOrigin sends, over real HTTP, the requests a hostile web page
// can make a browser send to the local API, and checks that none starts the
// job, while same-origin and non-browser requests still do.
func TestGuardCrossOrigin(t *testing.T) {
	h := newHarness(t, apiJobs)
	srv := httptest.NewServer(Handler(h.s, Options{Guard: GuardOptions{Listen: "127.0.0.1:0"}}))
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)

	refused := []struct {
		name    string
		ctype   string
		body    string
		headers map[string]string
	}{
		{"text/plain POST from another origin", "text/plain", `{"dry_run": true}`,
			map[string]string{"Origin": "http://evil.example"}},
		{"form POST from another origin", "application/x-www-form-urlencoded", "a=b",
			map[string]string{"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"}},
		{"multipart POST, Sec-Fetch-Site cross-site, no Origin", "multipart/form-data; boundary=x", "--x--",
			map[string]string{"Sec-Fetch-Site": "cross-site"}},
		{"JSON POST from another port of localhost (same-site)", "application/json", `{}`,
			map[string]string{"Sec-Fetch-Site": "same-site", "Origin": "http://localhost:1"}},
		{"Origin null (sandboxed frame)", "text/plain", "", map[string]string{"Origin": "null"}},
	}
	for _, tc := range refused {
		for _, path := range []string{"/api/jobs/stamp/run", "/api/jobs/stamp/suspend"} {
			t.Run(tc.name+" "+path, func(t *testing.T) {
				req, _ := http.NewRequest("POST", srv.URL+path, strings.NewReader(tc.body))
				req.Header.Set("Content-Type", tc.ctype)
				for k, v := range tc.headers {
					req.Header.Set(k, v)
				}
				status, body := send(t, req)
				if status != http.StatusForbidden || !strings.Contains(body, "cross-origin") {
					t.Fatalf("= %d %s, want 403 cross-origin", status, body)
				}
			})
		}
	}
	if runs := h.runs("stamp"); len(runs) != 0 {
		t.Fatalf("refused requests started runs: %+v", runs)
	}
	var j JobStatus
	apiClient{t: t, url: srv.URL}.json("GET", "/api/jobs/stamp", 200, &j)
	if j.Suspended {
		t.Fatal("a refused suspend suspended the job")
	}

	accepted := []struct {
		name    string
		headers map[string]string
	}{
		{"no browser headers (curl)", nil},
		{"same-origin", map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": srv.URL}},
		{"Origin equal to Host, old browser", map[string]string{"Origin": "http://" + u.Host}},
	}
	for i, tc := range accepted {
		t.Run("accepted "+tc.name, func(t *testing.T) {
			req, _ := http.NewRequest("POST", srv.URL+"/api/jobs/stamp/run", strings.NewReader(`{"dry_run": true}`))
			req.Header.Set("Content-Type", "application/json")
			for k, v := range tc.headers {
				req.Header.Set(k, v)
			}
			if status, body := send(t, req); status != http.StatusAccepted {
				t.Fatalf("= %d %s, want 202", status, body)
			}
			h.waitRuns("stamp", i+1, "ok", outcomeIs(history.OutcomeOK))
		})
	}
}

// TestGuardHost checks the Host names the API answers to, against DNS
// rebinding: a page whose name resolves to 127.0.0.1 reads as same-origin.
func TestGuardHost(t *testing.T) {
	h := newHarness(t, apiJobs)
	cases := []struct {
		name   string
		guard  GuardOptions
		host   string
		method string
		path   string
		want   int
	}{
		{"rebinding name on GET /api/runs", GuardOptions{Listen: "127.0.0.1:8080"}, "evil.example:8080", "GET", "/api/runs", 403},
		{"rebinding name on GET /api/jobs", GuardOptions{Listen: "127.0.0.1:8080"}, "attacker.test", "GET", "/api/jobs", 403},
		{"rebinding name on same-origin POST", GuardOptions{Listen: "127.0.0.1:8080"}, "evil.example", "POST", "/api/jobs/stamp/suspend", 403},
		{"rebinding name on metrics", GuardOptions{Listen: "127.0.0.1:8080"}, "evil.example", "GET", "/metrics", 403},
		{"a name on a wildcard listen", GuardOptions{Listen: "0.0.0.0:8080"}, "evil.example", "GET", "/api/runs", 403},
		{"loopback lookalike name", GuardOptions{Listen: "127.0.0.1:8080"}, "127.0.0.1.nip.io", "GET", "/api/runs", 403},
		{"127.0.0.1", GuardOptions{Listen: "127.0.0.1:8080"}, "127.0.0.1:8080", "GET", "/api/runs", 200},
		{"localhost", GuardOptions{Listen: "127.0.0.1:8080"}, "localhost:8080", "GET", "/api/runs", 200},
		{"LOCALHOST. (case, trailing dot)", GuardOptions{Listen: "127.0.0.1:8080"}, "LOCALHOST.:8080", "GET", "/api/runs", 200},
		{"[::1]", GuardOptions{Listen: "127.0.0.1:8080"}, "[::1]:8080", "GET", "/api/runs", 200},
		{"the --listen name", GuardOptions{Listen: "cron.internal:8080"}, "cron.internal:8080", "GET", "/api/runs", 200},
		{"an --allowed-host", GuardOptions{Listen: "0.0.0.0:8080", AllowedHosts: []string{"Cron.Example.com"}}, "cron.example.com", "GET", "/api/runs", 200},
		{"an IP on a wildcard listen", GuardOptions{Listen: "0.0.0.0:8080"}, "10.1.2.3:8080", "GET", "/api/runs", 200},
		{"an IP not listened on", GuardOptions{Listen: "127.0.0.1:8080"}, "10.1.2.3:8080", "GET", "/api/runs", 403},
		{"healthz answers any name", GuardOptions{Listen: "127.0.0.1:8080"}, "evil.example", "GET", "/healthz", 200},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(Handler(h.s, Options{Guard: tc.guard}))
			defer srv.Close()
			req, _ := http.NewRequest(tc.method, srv.URL+tc.path, nil)
			req.Host = tc.host
			status, body := send(t, req)
			if status != tc.want {
				t.Fatalf("Host %q: %s %s = %d %s, want %d", tc.host, tc.method, tc.path, status, body, tc.want)
			}
			if status == 403 && !strings.Contains(body, "not allowed") {
				t.Fatalf("403 without a reason: %s", body)
			}
		})
	}
	var j JobStatus
	srv := httptest.NewServer(Handler(h.s, Options{}))
	defer srv.Close()
	apiClient{t: t, url: srv.URL}.json("GET", "/api/jobs/stamp", 200, &j)
	if j.Suspended {
		t.Fatal("a POST with a refused Host suspended the job")
	}
}

func send(t *testing.T, req *http.Request) (int, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
