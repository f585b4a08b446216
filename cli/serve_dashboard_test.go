package cli_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestServeDashboardLogin checks the dashboard's login, session cookie,
// CSRF protection and headers with a token (the browser test covers the
// pages without one).
func TestServeDashboardLogin(t *testing.T) {
	_, emuURL, conn := serveEmulator(t)
	dir := serveDir(t)
	jobs := writeServeJobs(t, dir, clientJobs, emuURL, conn)
	token := filepath.Join(dir, "token")
	if err := os.WriteFile(token, []byte("t0ken-for-ui\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := startServe(t, "-c", jobs, "--listen", "127.0.0.1:0", "--token-file", token, "--state", filepath.Join(dir, "s.db"),
		"--shutdown-timeout", "1s")
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	do := func(method, path, body string, hdr map[string]string) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest(method, s.api+path, strings.NewReader(body))
		if method == "POST" && hdr["Content-Type"] == "" {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		return resp, string(data)
	}

	resp, _ := do("GET", "/ui/", "", nil)
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/ui/login?next=%2Fui%2F" {
		t.Fatalf("GET /ui/ without a session = %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") ||
		!strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("Content-Security-Policy = %q", csp)
	}
	if resp, _ := do("GET", "/ui/events", "", nil); resp.StatusCode != 401 {
		t.Errorf("events without a session = %d", resp.StatusCode)
	}
	if resp, _ := do("POST", "/ui/login", "token=wrong&next=/ui/", nil); resp.StatusCode != 401 {
		t.Errorf("login with a wrong token = %d", resp.StatusCode)
	}
	resp, _ = do("POST", "/ui/login", "token=t0ken-for-ui&next="+url.QueryEscape("//evil.example/"), nil)
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/ui/" {
		t.Fatalf("login = %d to %q (want /ui/, never another site)", resp.StatusCode, resp.Header.Get("Location"))
	}
	cookie := resp.Header.Get("Set-Cookie")
	for _, want := range []string{"soracron_session=", "HttpOnly", "SameSite=Strict", "Path=/ui/"} {
		if !strings.Contains(cookie, want) {
			t.Errorf("Set-Cookie %q lacks %s", cookie, want)
		}
	}
	if strings.Contains(cookie, "Secure") {
		t.Errorf("Set-Cookie %q: Secure without TLS", cookie)
	}
	resp, page := do("GET", "/ui/", "", nil)
	m := regexp.MustCompile(`data-csrf="([^"]+)"`).FindStringSubmatch(page)
	if resp.StatusCode != 200 || m == nil {
		t.Fatalf("jobs page = %d\n%.300s", resp.StatusCode, page)
	}
	csrf := m[1]
	if resp, _ := do("POST", "/ui/jobs/stamp/suspend", "next=/ui/", nil); resp.StatusCode != 403 {
		t.Errorf("suspend without the CSRF token = %d, want 403", resp.StatusCode)
	}
	if resp, _ := do("POST", "/ui/jobs/stamp/suspend", "next=/ui/&csrf=wrong", nil); resp.StatusCode != 403 {
		t.Errorf("suspend with a wrong CSRF token = %d, want 403", resp.StatusCode)
	}
	if resp, _ := do("POST", "/ui/jobs/stamp/suspend", "next=/ui/&csrf="+url.QueryEscape(csrf), nil); resp.StatusCode != 303 {
		t.Errorf("suspend with the CSRF token = %d, want 303", resp.StatusCode)
	}
	if _, page := do("GET", "/ui/", "", nil); !strings.Contains(page, `class="tag suspended"`) {
		t.Error("the jobs page does not show the job suspended")
	}
	json := map[string]string{"Content-Type": "application/json", "X-CSRF-Token": csrf}
	if resp, body := do("POST", "/ui/jobs/stamp/run", `{"args": [1]}`, json); resp.StatusCode != 400 {
		t.Errorf("run with args not an object = %d %s", resp.StatusCode, body)
	}
	// A body cut short says so, as the API's run does (not a bare
	// "unexpected EOF").
	if resp, body := do("POST", "/ui/jobs/stamp/run", `{"args": {"who": "a`, json); resp.StatusCode != 400 ||
		!strings.Contains(body, "body: ") || !strings.Contains(body, "the JSON ended before the value was complete") {
		t.Errorf("run with a body cut short = %d %s", resp.StatusCode, body)
	}
	if resp, body := do("POST", "/ui/jobs/stamp/run", `{"args": {}, "dry_run": true}`, map[string]string{"Content-Type": "application/json"}); resp.StatusCode != 403 {
		t.Errorf("run without the CSRF header = %d %s", resp.StatusCode, body)
	}
	resp, body := do("POST", "/ui/jobs/stamp/run", `{"args": {}, "dry_run": true}`, json)
	if resp.StatusCode != 202 || !strings.Contains(body, `"run_id"`) {
		t.Errorf("run = %d %s", resp.StatusCode, body)
	}
	t.Run("the run page shows the dry run's plan as a diff", func(t *testing.T) {
		id := regexp.MustCompile(`"run_id":\s*(\d+)`).FindStringSubmatch(body)
		if id == nil {
			t.Fatalf("no run id in %s", body)
		}
		var page string
		for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if _, page = do("GET", "/ui/runs/"+id[1], "", nil); strings.Contains(page, `id="outcome">ok<`) {
				break
			}
		}
		for _, want := range []string{"Dry-run plan", "sora/" + conn, `<li class="op-add"><span class="op">&#43;</span> runs = 1</li>`} {
			if !strings.Contains(page, want) {
				t.Errorf("run page lacks %q:\n%s", want, page)
			}
		}
	})
	// A cross-site POST is refused even with the session cookie and token.
	cross := map[string]string{"Sec-Fetch-Site": "cross-site", "X-CSRF-Token": csrf, "Content-Type": "application/json"}
	if resp, _ := do("POST", "/ui/jobs/stamp/run", `{}`, cross); resp.StatusCode != 403 {
		t.Errorf("cross-site run = %d, want 403", resp.StatusCode)
	}
}
