package e2e

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

const dashboardJobs = `
sora: {url: "http://127.0.0.1:9/"}
timezone: UTC
jobs:
  - name: hello
    schedule: "0 0 1 1 *"
    script: hello.lua
    args: {who: nobody}
  - name: tick
    schedule: "@every 1h"
    script: hello.lua
    args: {who: tick, pause: 0}
`

const helloLua = `local log = require("log")
local time = require("time")
log.info("starting", {who = args.who})
time.sleep(args.pause or 1.5)
log.warn("halfway there", {step = 1})
time.sleep(args.pause or 1.5)
return {greeting = "hello " .. args.who}
`

// browser returns a chromedp context on a fresh headless chromium, or
// skips (fails in CI) when chromium is not installed.
func browser(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("the Debian package chromium is required in CI: apt-get install chromium")
		}
		t.Skip("skipping: the Debian package chromium is not installed (apt-get install chromium)")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900),
	}
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	ctx, cancel3 := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(cancel3)
	return ctx
}

// shot saves a full-page screenshot of the current page as dir/name.
func shot(t *testing.T, ctx context.Context, dir, name string) string {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // quality 100: PNG
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", p)
	return p
}

func TestDashboard(t *testing.T) {
	ctx := browser(t)
	bin := soracronBinary(t, "")
	dir := t.TempDir()
	for name, data := range map[string]string{"jobs.yaml": dashboardJobs, "hello.lua": helloLua} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	addr := freeAddr(t)
	state := filepath.Join(dir, "state.db")
	start := func() *proc {
		p := startProc(t, bin, nil, "serve", "--emulator", "-c", filepath.Join(dir, "jobs.yaml"), "--state", state,
			"--listen", addr, "--shutdown-timeout", "2s")
		p.waitListening(t)
		return p
	}
	p := start()
	base := "http://" + addr
	shots := t.TempDir()
	text := func(t *testing.T, sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(sel))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}

	t.Run("jobs page", func(t *testing.T) {
		if err := chromedp.Do(ctx, chromedp.Navigate(base+"/"),
			chromedp.WaitVisible(`tr[data-job="hello"] button.runnow`)); err != nil {
			t.Fatal(err)
		}
		text := text(t, `#jobrows`)
		for _, want := range []string{"hello", "at 00:00 on January 1", "0 0 1 1 *", "every 1h", "never", "idle"} {
			if !strings.Contains(text, want) {
				t.Errorf("jobs page lacks %q:\n%s", want, text)
			}
		}
	})

	t.Run("run now with arguments, live log and outcome", func(t *testing.T) {
		err := chromedp.Do(ctx,
			chromedp.Click(`tr[data-job="hello"] button.runnow`),
			chromedp.WaitVisible(`#runargs`),
			chromedp.SetValue(`#runargs`, `{"who": `),
			chromedp.Click(`#runsubmit`),
			chromedp.WaitVisible(`#runerror`),
		)
		if err != nil {
			t.Fatal(err)
		}
		if errText := text(t, `#runerror`); !strings.Contains(errText, "not valid JSON") {
			t.Errorf("invalid arguments: error %q", errText)
		}
		err = chromedp.Do(ctx,
			chromedp.SetValue(`#runargs`, `{"who": "browser"}`),
			chromedp.Click(`#runsubmit`),
			chromedp.WaitVisible(`#logs li.lvl-INFO`),
		)
		if err != nil {
			t.Fatal(err)
		}
		loc, err := chromedp.Run(ctx, chromedp.Location())
		if err != nil {
			t.Fatal(err)
		}
		if o := text(t, `#outcome`); !strings.Contains(loc, "/ui/runs/") || o != "running" {
			t.Errorf("after Run now: at %s, outcome %q (want the running run's page)", loc, o)
		}
		if err := chromedp.Do(ctx, chromedp.WaitVisible(`#logs li.lvl-WARN`)); err != nil {
			t.Fatal(err)
		}
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.getElementById("outcome").textContent === "ok"`,
			chromedp.WithPollingTimeout(20*time.Second))); err != nil {
			t.Fatalf("the outcome did not turn ok live: %v", err)
		}
		if logs := text(t, `#logs`); !strings.Contains(logs, `starting who="browser"`) || !strings.Contains(logs, "halfway there") {
			t.Errorf("run log:\n%s", logs)
		}
		if sum := text(t, `#summary`); !strings.Contains(sum, `"greeting": "hello browser"`) {
			t.Errorf("run summary lacks the result:\n%s", sum)
		}
		shot(t, ctx, shots, "run.png")
	})

	t.Run("the jobs page updates live", func(t *testing.T) {
		if err := chromedp.Do(ctx, chromedp.Navigate(base+"/ui/"), chromedp.WaitVisible(`tr[data-job="tick"]`)); err != nil {
			t.Fatal(err)
		}
		// The page refreshes its rows when its event stream opens too, so
		// a run started before that still shows.
		resp, err := http.Post(base+"/api/jobs/tick/run", "application/json", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if err := chromedp.Do(ctx,
			chromedp.WaitVisible(`tr[data-job="tick"] a.outcome.o-ok`),
			chromedp.WaitVisible(`tr[data-job="hello"] .bar .cell.o-ok`),
		); err != nil {
			t.Fatalf("the new run did not appear without a reload: %v", err)
		}
		shot(t, ctx, shots, "jobs.png")
		// Phone width: no horizontal scrolling of the page.
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844)); err != nil {
			t.Fatal(err)
		}
		wide, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`))
		if err != nil {
			t.Fatal(err)
		}
		if wide {
			t.Error("the jobs page scrolls sideways at 390 px")
		}
		shot(t, ctx, shots, "jobs-phone.png")
		if err := chromedp.Do(ctx, chromedp.EmulateReset()); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("job page", func(t *testing.T) {
		if err := chromedp.Do(ctx, chromedp.Navigate(base+"/ui/jobs/hello"), chromedp.WaitVisible(`table.runs`)); err != nil {
			t.Fatal(err)
		}
		if runs := text(t, `table.runs`); !strings.Contains(runs, "ok") || !strings.Contains(runs, "manual") {
			t.Errorf("job page runs:\n%s", runs)
		}
		shot(t, ctx, shots, "job.png")
	})

	t.Run("a POST without the CSRF token is refused", func(t *testing.T) {
		status, err := chromedp.Run(ctx, chromedp.Evaluate[int](`fetch("/ui/jobs/hello/suspend", {method: "POST"}).then(r => r.status)`,
			chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatal(err)
		}
		if status != http.StatusForbidden {
			t.Errorf("POST without the CSRF token = %d, want 403", status)
		}
	})

	t.Run("suspend persists across a restart", func(t *testing.T) {
		if err := chromedp.Do(ctx, chromedp.Navigate(base+"/ui/"),
			chromedp.Click(`tr[data-job="hello"] button.suspend`),
			chromedp.WaitVisible(`tr[data-job="hello"] .tag.suspended`)); err != nil {
			t.Fatal(err)
		}
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		if code := p.wait(t, 30*time.Second); code != 0 {
			t.Fatalf("serve exited %d", code)
		}
		start()
		if err := chromedp.Do(ctx, chromedp.Navigate(base+"/ui/"),
			chromedp.WaitVisible(`tr[data-job="hello"] .tag.suspended`),
			chromedp.WaitVisible(`tr[data-job="hello"] button.resume`)); err != nil {
			t.Fatalf("not suspended after the restart: %v", err)
		}
		shot(t, ctx, shots, "jobs-suspended.png")
	})

	// SORACRON_DASHBOARD_SHOTS=DIR keeps the screenshots (docs/dashboard-jobs.png is jobs.png).
	if dst := os.Getenv("SORACRON_DASHBOARD_SHOTS"); dst != "" {
		files, _ := filepath.Glob(filepath.Join(shots, "*.png"))
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err == nil {
				err = os.WriteFile(filepath.Join(dst, filepath.Base(f)), data, 0o644)
			}
			if err != nil {
				t.Error(err)
			}
		}
	}
}
