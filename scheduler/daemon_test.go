package scheduler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/soracron/soracron/engine"
	"github.com/soracron/soracron/jobs"
	"github.com/soracron/soracron/scheduler/attempt"
	"github.com/soracron/soracron/scheduler/history"
	"github.com/soracron/soracron/scheduler/redact"
)

const jobsHeader = `
sora: {url: "{{url}}"}
timezone: UTC
`

func TestDaemonRunsOnSchedule(t *testing.T) {
	h := newHarness(t, jobsHeader+`
jobs:
  - name: stamp
    schedule: "@every 10s"
    script: scripts/stamp.lua
    args: {channel_id: sora, connection_id: "{{conn}}"}
  - name: off
    schedule: "@every 10s"
    script: scripts/one.lua
    enabled: false
`, harnessOptions{})

	for i := 1; i <= 3; i++ {
		h.tick(10 * time.Second)
		h.waitRuns("stamp", i, "finished", finished)
	}
	runs := h.runs("stamp")
	if len(runs) != 3 {
		t.Fatalf("got %d runs, want 3", len(runs))
	}
	for i, r := range runs {
		want := epoch.Add(time.Duration(i+1) * 10 * time.Second)
		if r.Outcome != history.OutcomeOK || r.Trigger != history.TriggerSchedule || r.Attempt != 1 ||
			!r.Scheduled.Equal(want) {
			t.Errorf("run %d = %+v, want ok, schedule, attempt 1, scheduled %s", i+1, r, want)
		}
		if string(r.Result) != `{"runs":`+string(rune('0'+i+1))+`}` {
			t.Errorf("run %d result = %s", i+1, r.Result)
		}
		if r.Calls != 2 || r.CallsByAction["get"] != 1 || r.CallsByAction["put_item"] != 1 || r.Writes != 1 {
			t.Errorf("run %d calls = %d %v writes %d, want get+put_item, 1 write", i+1, r.Calls, r.CallsByAction, r.Writes)
		}
	}
	md := h.metadata()
	if n, _ := md["runs"].(json.Number).Int64(); n != 3 {
		t.Errorf("metadata runs = %v, want 3 (read back from the emulator)", md["runs"])
	}
	if n := len(h.runs("off")); n != 0 {
		t.Errorf("disabled job ran %d times", n)
	}
	got, err := h.store.Get(context.Background(), runs[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	// The number the script logged is stored as a number.
	if len(got.Logs) != 1 || got.Logs[0].Msg != "stamped" || got.Logs[0].Attrs["runs"] != json.Number("1") {
		t.Errorf("run logs = %#v, want the script's line with runs: 1", got.Logs)
	}
	// The daemon's log has the per-run attributes.
	if !strings.Contains(h.logs.String(), "job=stamp run_id=1") {
		t.Errorf("daemon log lacks job/run_id attributes:\n%s", h.logs.String())
	}
}

func hasLog(lines []history.LogLine, msg string) bool {
	for _, l := range lines {
		if strings.Contains(l.Msg, msg) {
			return true
		}
	}
	return false
}

func TestDaemonConcurrencyPolicies(t *testing.T) {
	yaml := func(policy string) string {
		return jobsHeader + `
jobs:
  - name: slow
    schedule: "@every 10s"
    script: scripts/sleep.lua
    args: {seconds: 60}
    concurrency_policy: ` + policy + "\n"
	}

	t.Run("forbid skips and records the skip", func(t *testing.T) {
		h := newHarness(t, yaml("forbid"), harnessOptions{})
		h.tick(10 * time.Second)
		first := h.waitRuns("slow", 1, "running", outcomeIs(history.OutcomeRunning))[0]
		h.tick(10 * time.Second)
		runs := h.waitRuns("slow", 1, "skipped", outcomeIs(history.OutcomeSkipped))
		if len(runs) != 2 || runs[0].Outcome != history.OutcomeRunning {
			t.Fatalf("runs = %v, want the first running and a skip", lazyRuns{h, "slow"})
		}
		skip := runs[1]
		if !skip.Scheduled.Equal(epoch.Add(20*time.Second)) || !strings.Contains(skip.Error, "run 1 is still running") {
			t.Errorf("skip = %+v", skip)
		}
		if got := counterValue(t, h.metrics, "soracron_skipped_overlaps_total", "job", "slow"); got != 1 {
			t.Errorf("soracron_skipped_overlaps_total = %v, want 1", got)
		}
		if _, err := h.s.Trigger(context.Background(), "slow"); !errors.Is(err, ErrConflict) {
			t.Errorf("manual trigger while running: %v, want ErrConflict", err)
		}
		h.stop()
		if r := h.runs("slow")[0]; r.ID != first.ID || r.Outcome != history.OutcomeCancelled {
			t.Errorf("after shutdown the first run is %+v, want cancelled", r)
		}
	})

	t.Run("allow overlaps", func(t *testing.T) {
		h := newHarness(t, yaml("allow"), harnessOptions{})
		h.tick(10 * time.Second)
		h.waitRuns("slow", 1, "running", outcomeIs(history.OutcomeRunning))
		h.tick(10 * time.Second)
		h.waitRuns("slow", 2, "running", outcomeIs(history.OutcomeRunning))
		jobs, err := h.s.Jobs(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if jobs[0].Running != 2 {
			t.Errorf("Jobs()[0].Running = %d, want 2", jobs[0].Running)
		}
		if n := h.count("slow", outcomeIs(history.OutcomeSkipped)); n != 0 {
			t.Errorf("%d skips with allow", n)
		}
	})

	t.Run("replace cancels the running run", func(t *testing.T) {
		h := newHarness(t, yaml("replace"), harnessOptions{})
		h.tick(10 * time.Second)
		h.waitRuns("slow", 1, "running", outcomeIs(history.OutcomeRunning))
		h.tick(10 * time.Second)
		h.waitRuns("slow", 1, "cancelled", outcomeIs(history.OutcomeCancelled))
		waitFor(t, 10*time.Second, func() bool { return len(h.runs("slow")) == 2 }, "the second run")
		runs := h.runs("slow")
		if runs[0].Outcome != history.OutcomeCancelled || !strings.Contains(runs[0].Error, "replaced") {
			t.Errorf("first run = %+v, want cancelled: replaced", runs[0])
		}
		if runs[1].Outcome != history.OutcomeRunning {
			t.Errorf("second run = %+v, want running", runs[1])
		}
	})
}

func TestDaemonTimeout(t *testing.T) {
	// A Sora API that never answers (until the test ends).
	release := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(hang.Close)
	t.Cleanup(func() { close(release) })

	for _, tc := range []struct {
		name      string
		onTimeout bool
		attempts  int
	}{
		{"not retried", false, 1},
		{"retried with on_timeout", true, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, jobsHeader+`
jobs:
  - name: hang
    schedule: "@every 1m"
    script: scripts/get.lua
    timeout: 200ms
    retries: {max: 1, backoff: 0s, on_timeout: `+map[bool]string{true: "true", false: "false"}[tc.onTimeout]+`}
`, harnessOptions{soraURL: hang.URL})
			h.tick(time.Minute)
			h.waitRuns("hang", tc.attempts, "timed out", outcomeIs(history.OutcomeTimeout))
			time.Sleep(300 * time.Millisecond) // a wrong extra attempt would show up
			runs := h.runs("hang")
			if len(runs) != tc.attempts {
				t.Fatalf("%d runs, want %d: %v", len(runs), tc.attempts, lazyRuns{h, "hang"})
			}
			for i, r := range runs {
				if r.Outcome != history.OutcomeTimeout || r.Attempt != i+1 {
					t.Errorf("run %d = %+v, want timeout, attempt %d", i+1, r, i+1)
				}
			}
			if d := runs[0].End.Sub(runs[0].Start); d < 0 {
				t.Errorf("negative duration %s", d)
			}
		})
	}
}

func TestDaemonRetries(t *testing.T) {
	t.Run("failed runs are re-run after the backoff", func(t *testing.T) {
		h := newHarness(t, jobsHeader+`
jobs:
  - name: fail
    schedule: "@every 1m"
    script: scripts/fail.lua
    retries: {max: 2, backoff: 5s}
`, harnessOptions{})
		h.tick(time.Minute)
		h.waitRuns("fail", 1, "failed", outcomeIs(history.OutcomeFailed))
		for attempt := 2; attempt <= 3; attempt++ {
			h.clock.WaitTimers(t, 2) // the loop and the backoff
			if n := len(h.runs("fail")); n != attempt-1 {
				t.Fatalf("attempt %d started before the backoff: %v", attempt, lazyRuns{h, "fail"})
			}
			h.clock.Advance(5 * time.Second)
			h.waitRuns("fail", attempt, "failed", outcomeIs(history.OutcomeFailed))
		}
		h.clock.Advance(5 * time.Second)
		time.Sleep(100 * time.Millisecond)
		runs := h.runs("fail")
		if len(runs) != 3 {
			t.Fatalf("%d attempts, want 3 (1 + retries.max 2): %v", len(runs), lazyRuns{h, "fail"})
		}
		for i, r := range runs {
			if r.Attempt != i+1 || !r.Scheduled.Equal(epoch.Add(time.Minute)) || !strings.Contains(r.Error, "boom") {
				t.Errorf("attempt %d = %+v", i+1, r)
			}
		}
	})

	t.Run("a retry that succeeds ends the chain", func(t *testing.T) {
		h := newHarness(t, jobsHeader+`
jobs:
  - name: flaky
    schedule: "@every 1m"
    script: scripts/flaky.lua
    args: {channel_id: sora, connection_id: "{{conn}}", succeed_at: 2}
    retries: {max: 3, backoff: 0s}
`, harnessOptions{})
		h.tick(time.Minute)
		h.waitRuns("flaky", 1, "ok", outcomeIs(history.OutcomeOK))
		time.Sleep(100 * time.Millisecond)
		runs := h.runs("flaky")
		if len(runs) != 2 || runs[0].Outcome != history.OutcomeFailed || runs[1].Attempt != 2 {
			t.Fatalf("runs = %v, want failed then ok", lazyRuns{h, "flaky"})
		}
		if n, _ := h.metadata()["attempts"].(json.Number).Int64(); n != 2 {
			t.Errorf("the script ran %d times, want 2", n)
		}
	})
}

func TestDaemonPanicIsRecovered(t *testing.T) {
	h := newHarness(t, jobsHeader+`
jobs:
  - name: boom
    schedule: "@every 10s"
    script: scripts/fail.lua
    args: {panic: true}
  - name: fine
    schedule: "@every 10s"
    script: scripts/one.lua
`, harnessOptions{wrap: func(e *engine.Engine) Runner { return panicRunner{e} }})
	for i := 1; i <= 2; i++ {
		h.tick(10 * time.Second)
		h.waitRuns("boom", i, "failed", outcomeIs(history.OutcomeFailed))
		h.waitRuns("fine", i, "ok", outcomeIs(history.OutcomeOK))
	}
	r := h.runs("boom")[0]
	if !strings.Contains(r.Error, "panic: panic test") {
		t.Errorf("error = %q, want the panic", r.Error)
	}
	full, err := h.store.Get(context.Background(), r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !hasLog(full.Logs, "the run panicked") {
		t.Errorf("logs lack the panic: %+v", full.Logs)
	}
}

func TestDaemonMissedRunsRunOnce(t *testing.T) {
	h := newHarness(t, jobsHeader+`
jobs:
  - name: one
    schedule: "@every 10s"
    script: scripts/one.lua
`, harnessOptions{})
	// The host sleeps for an hour: 360 runs are missed.
	h.tick(time.Hour + 5*time.Second)
	h.waitRuns("one", 1, "ok", outcomeIs(history.OutcomeOK))
	h.clock.WaitTimers(t, 1)
	// The missed records are written in the background; the daemon logs
	// "scheduled runs missed" once they all are.
	waitFor(t, 15*time.Second, func() bool { return strings.Contains(h.logs.String(), `msg="scheduled runs missed" job=one`) },
		"the log of the recorded missed runs (have %v)", lazyRuns{h, "one"})
	var runs, missed []history.Run
	for _, r := range h.runs("one") {
		if r.Outcome == history.OutcomeMissed {
			missed = append(missed, r)
		} else {
			runs = append(runs, r)
		}
	}
	if len(runs) != 1 {
		t.Fatalf("%d runs after a long pause, want 1", len(runs))
	}
	// The 359 older ticks are recorded missed: the newest 20 one by one,
	// the others in one record that counts them.
	if len(missed) != 21 {
		t.Fatalf("%d missed records, want 21", len(missed))
	}
	var summary int
	for _, m := range missed {
		if strings.Contains(m.Error, "339 earlier scheduled times were missed too") {
			summary++
		}
	}
	if summary != 1 {
		t.Errorf("no record counts the 339 older missed ticks: %+v", missed)
	}
	if want := epoch.Add(time.Hour); !runs[0].Scheduled.Equal(want) {
		t.Errorf("scheduled = %s, want the latest missed time %s", runs[0].Scheduled, want)
	}
	if !strings.Contains(h.logs.String(), "missed=360") {
		t.Errorf("no warning about 360 missed runs:\n%s", h.logs.String())
	}
	// Then the schedule goes on from now ("@every" counts from the run).
	h.tick(10 * time.Second)
	runs = h.waitRuns("one", 2, "ok", outcomeIs(history.OutcomeOK))
	if want := epoch.Add(time.Hour + 15*time.Second); !runs[len(runs)-1].Scheduled.Equal(want) {
		t.Errorf("next scheduled = %s, want %s", runs[1].Scheduled, want)
	}
}

func TestDaemonHistoryRetention(t *testing.T) {
	h := newHarness(t, jobsHeader+`
history: {keep: 3}
jobs:
  - name: one
    schedule: "@every 10s"
    script: scripts/one.lua
`, harnessOptions{})
	var last int64
	for i := 1; i <= 6; i++ {
		h.tick(10 * time.Second)
		waitFor(t, 10*time.Second, func() bool {
			runs := h.runs("one")
			return len(runs) > 0 && runs[len(runs)-1].Outcome == history.OutcomeOK &&
				runs[len(runs)-1].Scheduled.Equal(epoch.Add(time.Duration(i)*10*time.Second))
		}, "run %d", i)
		last = h.runs("one")[len(h.runs("one"))-1].ID
	}
	runs := h.runs("one")
	if len(runs) != 3 || runs[2].ID != last {
		t.Fatalf("kept %d runs (%v), want the newest 3", len(runs), lazyRuns{h, "one"})
	}
	if _, err := h.store.Get(context.Background(), 1); !errors.Is(err, history.ErrNotFound) {
		t.Errorf("run 1 still there: %v", err)
	}
}

func TestDaemonRedactsSecrets(t *testing.T) {
	const token = "s3cr3t-token-value"
	h := newHarness(t, `
sora:
  url: "{{url}}"
  headers: {Authorization: "Bearer ${TOKEN}"}
jobs:
  - name: leak
    schedule: "@every 10s"
    script: scripts/secret.lua
    args: {token: "${TOKEN}"}
`, harnessOptions{env: map[string]string{"TOKEN": token}})
	h.tick(10 * time.Second)
	r := h.waitRuns("leak", 1, "failed", outcomeIs(history.OutcomeFailed))[0]
	full, err := h.store.Get(context.Background(), r.ID)
	if err != nil {
		t.Fatal(err)
	}
	stored, _ := json.Marshal(full)
	if strings.Contains(string(stored), token) || !strings.Contains(r.Error, redact.Redacted) {
		t.Errorf("history holds the secret: %s", stored)
	}
	if !strings.Contains(string(stored), "using token "+redact.Redacted) {
		t.Errorf("the log line is missing: %s", stored)
	}
	if log := h.logs.String(); strings.Contains(log, token) || !strings.Contains(log, redact.Redacted) {
		t.Errorf("the daemon's log holds the secret:\n%s", log)
	}
}

func TestDaemonShouldRetry(t *testing.T) {
	job := func(max int, onTimeout bool) *jobs.Job {
		return &jobs.Job{Retries: jobs.RetryPolicy{Max: max, OnTimeout: onTimeout}}
	}
	runtimeErr := &engine.ScriptError{Kind: engine.Runtime, Message: "boom"}
	for _, tc := range []struct {
		name    string
		job     *jobs.Job
		attempt int
		outcome history.Outcome
		err     error
		want    bool
	}{
		{"failed, retries left", job(2, false), 2, history.OutcomeFailed, runtimeErr, true},
		{"failed, no retries left", job(2, false), 3, history.OutcomeFailed, runtimeErr, false},
		{"no retries configured", job(0, false), 1, history.OutcomeFailed, runtimeErr, false},
		{"timeout without on_timeout", job(2, false), 1, history.OutcomeTimeout, &engine.ScriptError{Kind: engine.Timeout}, false},
		{"timeout with on_timeout", job(2, true), 1, history.OutcomeTimeout, &engine.ScriptError{Kind: engine.Timeout}, true},
		{"cancelled", job(2, true), 1, history.OutcomeCancelled, &engine.ScriptError{Kind: engine.Cancelled}, false},
		{"ok", job(2, true), 1, history.OutcomeOK, nil, false},
		{"syntax error", job(2, false), 1, history.OutcomeFailed, &engine.ScriptError{Kind: engine.Syntax}, false},
		{"not recorded", job(2, false), 1, history.OutcomeFailed, fmt.Errorf("%w: disk full", ErrNotRecorded), false},
		{"panic", job(1, false), 1, history.OutcomeFailed, &attempt.PanicError{Value: "x"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := shouldRetry(tc.job, tc.attempt, tc.outcome, tc.err); got != tc.want {
				t.Errorf("shouldRetry = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestDaemonManualTrigger(t *testing.T) {
	h := newHarness(t, jobsHeader+`
jobs:
  - name: stamp
    schedule: "0 0 1 1 *"
    script: scripts/stamp.lua
    args: {channel_id: sora, connection_id: "{{conn}}"}
    enabled: false
`, harnessOptions{})
	id, err := h.s.Trigger(context.Background(), "stamp")
	if err != nil {
		t.Fatal(err)
	}
	runs := h.waitRuns("stamp", 1, "ok", outcomeIs(history.OutcomeOK))
	if runs[0].ID != id || runs[0].Trigger != history.TriggerManual || !runs[0].Scheduled.IsZero() {
		t.Errorf("run = %+v, want manual run %d", runs[0], id)
	}
	if n, _ := h.metadata()["runs"].(json.Number).Int64(); n != 1 {
		t.Errorf("metadata runs = %v", h.metadata()["runs"])
	}
	if _, err := h.s.Trigger(context.Background(), "nope"); !errors.Is(err, ErrUnknownJob) {
		t.Errorf("Trigger(nope) = %v", err)
	}
	// The job's log lines carry the run id.
	if !strings.Contains(h.logs.String(), `msg=stamped job=stamp run_id=`+strconv.FormatInt(id, 10)) {
		t.Errorf("script log line lacks job/run_id:\n%s", h.logs.String())
	}
}
