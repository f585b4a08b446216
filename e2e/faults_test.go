package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/soracron/soracron/emulator"
	"github.com/soracron/soracron/engine"
)

// putItemFaults fails rate of the PutItem requests with status.
func putItemFaults(seed uint64, rate float64, status int) emulator.Faults {
	return emulator.Faults{Seed: seed, Rules: []emulator.FaultRule{{
		Targets: []string{"PutSignalingNotifyMetadataItem"}, FailRate: rate, FailStatus: status,
	}}}
}

// setStatusScript sets status = "away" on every connection and returns
// update_all's summary (it does not fail when writes fail).
const setStatusScript = `local sora = require("sora")
return assert(sora.update_all("sora", function(md)
  md.status = "away"
  return md
end, {concurrency = tonumber(args.concurrency) or 16}))
`

// TestUpdateAllUnderFailRate: 20% of the writes fail with 503; the client
// retries them, and every one of 1,000 connections ends up written exactly.
func TestUpdateAllUnderFailRate(t *testing.T) {
	const n = 1000
	e, srv, ids := startEmulator(t, putItemFaults(42, 0.2, 503), n)
	client := newClient(t, srv.URL, 12, 5*time.Second)
	res, err := runScript(t, client, `local sora = require("sora")
return assert(sora.update_all("sora", function(md)
  md.status = "away"
  md.n = md.n * 2
  return md
end, {concurrency = 16}))
`, engine.Request{Timeout: 2 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	s := decodeSummary(t, res.Value)
	// Connection 0 keeps n = 0: one write fewer.
	if s.Connections != n || s.Changed != n || s.Writes != 2*n-1 || s.Failed != 0 || len(s.NotWritten) != 0 || len(s.Errors) != 0 {
		t.Errorf("summary: connections %d changed %d writes %d failed %d not_written %d errors %d",
			s.Connections, s.Changed, s.Writes, s.Failed, len(s.NotWritten), len(s.Errors))
	}
	if !slices.Equal(s.Written, sorted(ids)) {
		t.Errorf("written lists %d connections, want all %d", len(s.Written), n)
	}
	if res.Stats.Failures != 0 || res.Stats.Writes != 2*n-1 {
		t.Errorf("stats %+v", res.Stats)
	}
	// The faults did happen: about 20% of the ~2,500 PutItem requests.
	if f := e.FaultStats().Failed; f < 2*n/10 {
		t.Errorf("only %d injected failures", f)
	}
	for i, id := range ids {
		md, _ := e.Metadata("sora", id)
		got, _ := json.Marshal(md)
		if want := fmt.Sprintf(`{"n":%d,"status":"away"}`, 2*i); string(got) != want {
			t.Fatalf("connection %d (%s): metadata %s, want %s", i, id, got, want)
		}
	}
}

// checkSplit checks that the summary's written and not_written lists are
// exactly the connections the emulator has written and not written, and
// that every failure is explained.
func checkSplit(t *testing.T, e *emulator.Emulator, s summary, n int, errType string, status int) {
	t.Helper()
	has, hasNot := withKey(t, e, "status", "away")
	if !slices.Equal(s.Written, has) {
		t.Errorf("written lists %d connections; the emulator has %d written (lists differ)", len(s.Written), len(has))
	}
	if !slices.Equal(s.NotWritten, hasNot) {
		t.Errorf("not_written lists %d connections; the emulator has %d not written (lists differ)", len(s.NotWritten), len(hasNot))
	}
	if s.Failed != len(s.NotWritten) || len(s.Written)+len(s.NotWritten) != n || s.Changed != n {
		t.Errorf("failed %d, written %d, not_written %d, changed %d, connections %d", s.Failed, len(s.Written),
			len(s.NotWritten), s.Changed, n)
	}
	var errIDs []string
	for _, x := range s.Errors {
		errIDs = append(errIDs, x.ConnectionID)
		if x.Key != "status" || x.Err.Type != errType || x.Err.Status != status ||
			x.Err.Target != "Sora_20201124.PutSignalingNotifyMetadataItem" {
			t.Errorf("error entry %+v", x)
			break
		}
	}
	if !slices.Equal(sorted(errIDs), s.NotWritten) {
		t.Errorf("errors name other connections than not_written")
	}
}

// TestUpdateAllRetryBudgetExhausted: half the writes fail and the client
// has 2 attempts, so about a quarter of the connections are not written;
// the summary says exactly which, and the same seed fails the same ones.
func TestUpdateAllRetryBudgetExhausted(t *testing.T) {
	const n = 300
	var first []string
	for round := range 2 {
		e, srv, _ := startEmulator(t, putItemFaults(7, 0.5, 503), n)
		client := newClient(t, srv.URL, 2, 5*time.Second)
		res, err := runScript(t, client, setStatusScript, engine.Request{Timeout: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		s := decodeSummary(t, res.Value)
		if s.Failed < n/10 || s.Failed > n/2 {
			t.Fatalf("%d of %d connections failed, want about a quarter", s.Failed, n)
		}
		checkSplit(t, e, s, n, emulator.ErrInjectedFault, 503)
		if msg := s.Errors[0].Err.Message; !strings.HasPrefix(msg, "injected fault: status 503") {
			t.Errorf("error message %q", msg)
		}
		if res.Stats.Failures != s.Failed || res.Stats.Writes != len(s.Written) {
			t.Errorf("stats %+v, summary failed %d written %d", res.Stats, s.Failed, len(s.Written))
		}
		if round == 0 {
			first = s.NotWritten
		} else if !slices.Equal(first, s.NotWritten) {
			t.Errorf("the same seed failed other connections on the second run")
		}
	}
}

// notUpdatedRE reads set_key.lua's error: "N connections were not updated: [ids]".
var notUpdatedRE = regexp.MustCompile(`(\d+) connections were not updated: (\[[^\]]*\])`)

// TestRunCommandRetryBudgetExhausted: `soracron run` of a script that
// fails when writes failed exits 1, names the connections not written, and
// its summary line counts them; the emulator confirms the list exactly.
func TestRunCommandRetryBudgetExhausted(t *testing.T) {
	const n = 200
	// 500 is not retried: every failed write is final at once.
	e, srv, _ := startEmulator(t, putItemFaults(3, 0.3, 500), n)
	code, stdout, stderr := execute(t, nil, "run", "--sora-url", srv.URL, "--retries", "0",
		repoFile("scripts/set_key.lua"), "--arg", "key=status", "--arg", "value=away")
	if code != 1 {
		t.Fatalf("exit code %d, want 1; stderr:\n%s", code, stderr)
	}
	if stdout != "" {
		t.Errorf("stdout %q, want nothing (the script failed)", stdout)
	}
	m := notUpdatedRE.FindStringSubmatch(stderr)
	if m == nil {
		t.Fatalf("stderr does not list the connections not written:\n%s", stderr)
	}
	var listed []string
	if err := json.Unmarshal([]byte(m[2]), &listed); err != nil {
		t.Fatal(err)
	}
	has, hasNot := withKey(t, e, "status", "away")
	if !slices.Equal(sorted(listed), hasNot) || strconv.Itoa(len(listed)) != m[1] {
		t.Errorf("listed %d connections not written; the emulator has %d", len(listed), len(hasNot))
	}
	if len(has) == 0 || len(hasNot) == 0 {
		t.Fatalf("want some written and some not: %d and %d", len(has), len(hasNot))
	}
	summaryLine := fmt.Sprintf(", %d failed, %d writes", len(hasNot), len(has))
	if !strings.Contains(stderr, "soracron: failed in ") || !strings.Contains(stderr, summaryLine) {
		t.Errorf("summary line lacks %q:\n%s", summaryLine, stderr)
	}
	// The warning logged by update_all carries the first error.
	if !strings.Contains(stderr, "status 500 injected_fault: injected fault") {
		t.Errorf("stderr lacks the error of a failed write:\n%s", stderr)
	}
}

// TestServerGoneMidRun: the emulator closes while update_all runs. The run
// ends (well within its timeout), the summary splits the connections
// exactly as the emulator has them, and nothing leaks.
func TestServerGoneMidRun(t *testing.T) {
	base := runtime.NumGoroutine()
	const n = 400
	e, srv, _ := startEmulator(t, emulator.Faults{Rules: []emulator.FaultRule{{
		Targets: []string{"PutSignalingNotifyMetadataItem"}, Latency: emulator.Latency{Min: 5 * time.Millisecond},
	}}}, n)
	client := newClient(t, srv.URL, 3, 2*time.Second)
	type outcome struct {
		res *engine.Result
		err error
	}
	done := make(chan outcome, 1)
	path := writeScript(t, "script.lua", setStatusScript)
	go func() {
		res, err := runScript(t, client, "", engine.Request{Script: path, Timeout: 30 * time.Second,
			Args: map[string]any{"concurrency": 8}})
		done <- outcome{res, err}
	}()
	for e.FaultStats().Delayed < n/4 {
		time.Sleep(time.Millisecond)
	}
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	var o outcome
	select {
	case o = <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("the run did not end after the server went away")
	}
	if o.err != nil {
		t.Fatalf("run: %v", o.err)
	}
	s := decodeSummary(t, o.res.Value)
	if len(s.Written) == 0 || len(s.NotWritten) == 0 {
		t.Fatalf("written %d, not written %d: the server did not go away mid-run", len(s.Written), len(s.NotWritten))
	}
	checkSplit(t, e, s, n, "transport", 0)
	if msg := s.Errors[len(s.Errors)-1].Err.Message; !strings.Contains(msg, "connection refused") {
		t.Errorf("last error %q, want connection refused", msg)
	}
	client.CloseIdleConnections()
	settleGoroutines(t, base)
}

// TestHangingServer: Sora accepts connections but never answers. Each
// attempt ends at the client's timeout and the run fails with a message
// that says what did not answer, or ends at its own timeout; nothing is
// written and nothing leaks.
func TestHangingServer(t *testing.T) {
	base := runtime.NumGoroutine()
	const timeout = 1500 * time.Millisecond
	tests := []struct {
		name   string
		target string
		kind   engine.ErrorKind
		msg    string
	}{
		// 50 connections, 4 at a time, 2 attempts of 300ms each: longer
		// than the run's timeout.
		{"writes hang", "PutSignalingNotifyMetadataItem", engine.Timeout, "timed out after 1.5s"},
		// The list fails after its 2 attempts, before the run's timeout.
		{"list hangs", "ListSignalingNotifyMetadata", engine.Runtime,
			"sora.update_all: Sora_20201124.ListSignalingNotifyMetadata: no reply within 300ms: context deadline exceeded (after 2 attempts)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, srv, _ := startEmulator(t, emulator.Faults{Rules: []emulator.FaultRule{{
				Targets: []string{tt.target}, Hang: true,
			}}}, 50)
			client := newClient(t, srv.URL, 2, 300*time.Millisecond)
			res, err := runScript(t, client, setStatusScript, engine.Request{Timeout: timeout,
				Args: map[string]any{"concurrency": 4}})
			var se *engine.ScriptError
			if !errors.As(err, &se) || se.Kind != tt.kind || se.Message != tt.msg {
				t.Fatalf("error %v, want %v %q", err, tt.kind, tt.msg)
			}
			if tt.kind == engine.Timeout && !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("error does not wrap context.DeadlineExceeded: %v", err)
			}
			// An upper bound with ample slack: the run ends at its timeout,
			// not when the requests in flight would.
			if res.Duration > timeout+3*time.Second {
				t.Errorf("run took %s with a timeout of %s", res.Duration, timeout)
			}
			if has, _ := withKey(t, e, "status", "away"); len(has) != 0 || res.Stats.Writes != 0 {
				t.Errorf("%d connections written, stats %+v", len(has), res.Stats)
			}
			if e.FaultStats().Hung == 0 {
				t.Error("no request hung")
			}
			client.CloseIdleConnections()
			if err := srv.Close(); err != nil {
				t.Fatal(err)
			}
		})
	}
	settleGoroutines(t, base)
}
