package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/soracron/soracron/emulator"
)

// The truth of a run through the real process: `soracron run` (this test
// binary re-executed as soracron, see TestServeProcess) against the emulator
// with faults; the exit code, the summary line, the warnings and the
// emulator's state must agree.

// runProc is the outcome of one soracron process.
type runProc struct {
	stdout, stderr string
	code           int
}

// soracron runs soracron with args (and env, "K=V") to its end, or sends it
// sig after signalAfter when sig is not nil.
func soracron(t *testing.T, env []string, sig os.Signal, signalAfter time.Duration, args ...string) runProc {
	t.Helper()
	raw, _ := json.Marshal(args)
	cmd := exec.Command(os.Args[0], "-test.run=^TestServeProcess$")
	cmd.Env = append(append(os.Environ(), serveArgsEnv+"="+string(raw)), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if sig != nil {
		time.AfterFunc(signalAfter, func() { _ = cmd.Process.Signal(sig) })
	}
	err := cmd.Wait()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return runProc{stdout: stdout.String(), stderr: stderr.String(), code: code}
}

// summaryLineRE reads the summary line of a run.
var summaryLineRE = regexp.MustCompile(`(?m)^soracron: (\w+) in \S+: (\d+) calls?(?: \([^)]*\))?, (\d+) failed, (\d+) writes?(.*)$`)

// summaryLine returns outcome, failed calls and writes of p's summary line,
// and the rest of the line.
func (p runProc) summaryLine(t *testing.T) (outcome string, failed, writes int, rest string) {
	t.Helper()
	m := summaryLineRE.FindStringSubmatch(p.stderr)
	if m == nil {
		t.Fatalf("no summary line in stderr:\n%s", p.stderr)
	}
	failed, _ = strconv.Atoi(m[3])
	writes, _ = strconv.Atoi(m[4])
	return m[1], failed, writes, m[5]
}

// TestRunPartialProcess: update_all over 50 connections in which about half
// the writes fail with 500 ends partial (exit 3), with the same numbers in
// the summary line, the warning and the emulator; sora.handled keeps the
// run ok; a re-run without faults writes exactly what is missing.
func TestRunPartialProcess(t *testing.T) {
	const n = 50
	e, srv, _ := startEmulator(t, putItemFaults(3, 0.5, 500), n)
	script := writeScript(t, "away.lua", `local sora = require("sora")
local s = assert(sora.update_all("sora", function(md) md.status = "away" end))
if args.handle == "yes" then assert(sora.handled(s) == s.failed) end
return {failed = s.failed, written = #s.written}
`)
	p := soracron(t, nil, nil, 0, "run", script, "--sora-url", srv.URL, "--retries", "0")
	_, hasNot := withKey(t, e, "status", "away")
	if len(hasNot) == 0 || len(hasNot) == n {
		t.Fatalf("%d of %d connections not written: the faults did not split the run", len(hasNot), n)
	}
	outcome, failed, writes, rest := p.summaryLine(t)
	if p.code != 3 || outcome != "partial" {
		t.Fatalf("exit %d, outcome %s, want 3 partial; stderr:\n%s", p.code, outcome, p.stderr)
	}
	if failed != len(hasNot) || writes != n-len(hasNot) {
		t.Errorf("summary says %d failed, %d writes; the emulator has %d not written", failed, writes, len(hasNot))
	}
	want := fmt.Sprintf("; update_all: %d connections: %d written, %d failed, 0 gone, 0 not reached, 0 unchanged", n, n-len(hasNot), len(hasNot))
	if rest != want {
		t.Errorf("summary accounting %q, want %q", rest, want)
	}
	if !regexp.MustCompile(fmt.Sprintf(`msg="sora.update_all: writes failed" .*channel_id=sora connections=%d written=%d failed=%d gone=0 not_reached=0`, n, n-len(hasNot), len(hasNot))).MatchString(p.stderr) {
		t.Errorf("no warning with the same numbers:\n%s", p.stderr)
	}
	if !strings.Contains(p.stderr, "soracron: partial: ") {
		t.Errorf("no partial message:\n%s", p.stderr)
	}

	// Handled on purpose: ok, exit 0.
	p = soracron(t, nil, nil, 0, "run", script, "--sora-url", srv.URL, "--retries", "0", "--arg", "handle=yes")
	outcome, _, _, rest = p.summaryLine(t)
	if p.code != 0 || outcome != "ok" || !strings.Contains(rest, " handled") {
		t.Fatalf("handled run: exit %d, outcome %s (%s), want 0 ok with handled; stderr:\n%s", p.code, outcome, rest, p.stderr)
	}

	// Without faults a re-run writes exactly the connections still missing.
	_, hasNot = withKey(t, e, "status", "away")
	if err := e.SetFaults(emulator.Faults{}); err != nil {
		t.Fatal(err)
	}
	p = soracron(t, nil, nil, 0, "run", script, "--sora-url", srv.URL)
	outcome, failed, writes, _ = p.summaryLine(t)
	if p.code != 0 || outcome != "ok" || failed != 0 || writes != len(hasNot) {
		t.Fatalf("re-run: exit %d, %s, %d failed, %d writes; want 0 ok, %d writes\n%s", p.code, outcome, failed, writes, len(hasNot), p.stderr)
	}
	if _, left := withKey(t, e, "status", "away"); len(left) != 0 {
		t.Errorf("%d connections still not written", len(left))
	}
}

// TestRunOutcomesProcess: gone is not a failure; return nil, err fails.
func TestRunOutcomesProcess(t *testing.T) {
	_, srv, ids := startEmulator(t, emulator.Faults{}, 2)
	const nope = "0000000000000000000000NOPE"
	tests := []struct {
		name, src string
		code      int
		outcome   string
		stderr    string // also in stderr
	}{
		{"gone", `local sora = require("sora")
local md, err = sora.put_item("sora", "` + nope + `", "k", 1)
assert(err.type == "connection_not_found")
return "fine"`, 0, "ok", ", 1 gone"},
		{"return nil, err string", `return nil, "boom: the thing"`, 1, "failed", "soracron: "},
		{"return nil, sora error", `local sora = require("sora")
return sora.get("sora", "` + nope + `")`, 1, "failed", "sora.get: Sora_20201124.GetSignalingNotifyMetadata: status 400 connection_not_found"},
		{"return nil, update_all of a failed list", `local sora = require("sora")
return sora.update_all("sora", function(md) md.x = 1 end, {concurrency = 1})`, 0, "ok", ""},
		{"return nil alone", `return nil`, 0, "ok", ""},
		{"failed write, partial", `local sora = require("sora")
local _, err = sora.call("PutSignalingNotifyMetadata", {channel_id = "sora", connection_id = "` + ids[0] + `", metadata = "no"})
assert(err.type == "invalid_params")`, 3, "partial", "soracron: partial: 1 write failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := soracron(t, nil, nil, 0, "run", writeScript(t, "s.lua", tt.src), "--sora-url", srv.URL)
			outcome, _, _, _ := p.summaryLine(t)
			if p.code != tt.code || outcome != tt.outcome || !strings.Contains(p.stderr, tt.stderr) {
				t.Fatalf("exit %d, outcome %s; want %d %s and %q in stderr:\n%s", p.code, outcome, tt.code, tt.outcome, tt.stderr, p.stderr)
			}
			if tt.name == "return nil, err string" && !strings.Contains(p.stderr, "boom: the thing") {
				t.Errorf("the error is not printed:\n%s", p.stderr)
			}
		})
	}
}

// TestRunBigNumbersProcess: numbers no Lua number holds exactly survive
// list, get, update_all of another key, a copy with put(get()), args-json
// and the script's result, byte for byte.
func TestRunBigNumbersProcess(t *testing.T) {
	e := emulator.New(emulator.Options{Seed: 1})
	md := map[string]any{"big": json.Number("9007199254740993"), "ts": json.Number("1733300000123456789"),
		"f": json.Number("0.30000000000000000001"), "huge": json.Number("1e400"), "n": json.Number("1")}
	a, err := e.AddConnection(emulator.Connection{ChannelID: "sora", Metadata: md})
	if err != nil {
		t.Fatal(err)
	}
	b, err := e.AddConnection(emulator.Connection{ChannelID: "sora", Metadata: map[string]any{}})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := emulator.Start(e, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	script := writeScript(t, "big.lua", `local sora = require("sora")
local json = require("json")
local s = assert(sora.update_all("sora", function(md) md.status = "seen" end))
assert(s.failed == 0 and s.changed == 2)
local md = assert(sora.get("sora", args.a))
assert(sora.put("sora", args.b, md))  -- a copy
local ok, msg = pcall(function() return md.big + 1 end)
assert(not ok and msg:find("use tostring(x) or json.to_number(x)", 1, true))
return {big = md.big, text = tostring(md.big), lt = md.big < md.ts, arg = args.id, list = sora.list("sora")[1].metadata.ts}
`)
	p := soracron(t, nil, nil, 0, "run", script, "--sora-url", srv.URL, "--args-json",
		fmt.Sprintf(`{"a":%q,"b":%q,"id":12345678901234567890123}`, a.ConnectionID, b.ConnectionID))
	if p.code != 0 {
		t.Fatalf("exit %d:\n%s", p.code, p.stderr)
	}
	var out map[string]json.RawMessage
	if err := json.Unmarshal([]byte(p.stdout), &out); err != nil {
		t.Fatalf("stdout %q: %v", p.stdout, err)
	}
	want := map[string]string{"big": "9007199254740993", "text": `"9007199254740993"`, "lt": "true",
		"arg": "12345678901234567890123", "list": "1733300000123456789"}
	for k, w := range want {
		if string(out[k]) != w {
			t.Errorf("result %s = %s, want %s", k, out[k], w)
		}
	}
	for _, id := range []string{a.ConnectionID, b.ConnectionID} {
		got, _ := e.Metadata("sora", id)
		for k, v := range md {
			if got[k] != v {
				t.Errorf("%s: %s = %v, want %v (text changed)", id, k, got[k], v)
			}
		}
	}
}

// warnRE reads update_all's warning when a run is stopped.
var warnRE = regexp.MustCompile(`msg="sora.update_all: stopped before the end" .*channel_id=sora connections=(\d+) written=(\d+) failed=(\d+) gone=(\d+) not_reached=(\d+) unchanged=(\d+) ids_file=(\S+)`)

// TestRunInterruptedProcess: a run that ends in the middle of update_all
// (its timeout, SIGTERM, SIGINT) accounts for every connection, with the
// same numbers in the warning and the summary line, and a file of ids that
// agrees with the emulator.
func TestRunInterruptedProcess(t *testing.T) {
	const n = 400
	tests := []struct {
		name    string
		sig     os.Signal
		args    []string
		outcome string
	}{
		{"timeout", nil, []string{"--timeout", "800ms"}, "timeout"},
		{"SIGTERM", syscall.SIGTERM, nil, "interrupted"},
		{"SIGINT", os.Interrupt, nil, "interrupted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, srv, ids := startEmulator(t, emulator.Faults{Rules: []emulator.FaultRule{{
				Targets: []string{"PutSignalingNotifyMetadataItem"}, Latency: emulator.Latency{Min: 10 * time.Millisecond}}}}, n)
			script := writeScript(t, "slow.lua", `local sora = require("sora")
return sora.update_all("sora", function(md) md.status = "away" end, {concurrency = 4})`)
			tmp := t.TempDir()
			args := append([]string{"run", script, "--sora-url", srv.URL}, tt.args...)
			p := soracron(t, []string{"TMPDIR=" + tmp}, tt.sig, 800*time.Millisecond, args...)
			outcome, _, writes, rest := p.summaryLine(t)
			if p.code != 1 || outcome != tt.outcome {
				t.Fatalf("exit %d outcome %s, want 1 %s:\n%s", p.code, outcome, tt.outcome, p.stderr)
			}
			m := warnRE.FindStringSubmatch(p.stderr)
			if m == nil {
				t.Fatalf("no warning accounting for every connection:\n%s", p.stderr)
			}
			num := func(i int) int { v, _ := strconv.Atoi(m[i]); return v }
			conns, written, failed, gone, notReached, unchanged := num(1), num(2), num(3), num(4), num(5), num(6)
			if conns != n || written+failed+gone+notReached+unchanged != n || notReached == 0 || written == 0 {
				t.Fatalf("warning: %v does not account for %d connections", m[1:7], n)
			}
			wantRest := fmt.Sprintf("; update_all: %d connections: %d written, %d failed, %d gone, %d not reached, %d unchanged (ids in %s)",
				n, written, failed, gone, notReached, unchanged, m[7])
			if rest != wantRest || writes != written {
				t.Errorf("summary %q (%d writes), warning says %q", rest, writes, wantRest)
			}
			data, err := os.ReadFile(m[7])
			if err != nil {
				t.Fatal(err)
			}
			var f struct {
				Written, Failed, Gone []string
				NotReached            []string `json:"not_reached"`
			}
			if err := json.Unmarshal(data, &f); err != nil {
				t.Fatal(err)
			}
			if len(f.Written) != written || len(f.Failed) != failed || len(f.NotReached) != notReached || len(f.Gone) != gone {
				t.Fatalf("ids file lists %d/%d/%d/%d, warning %d/%d/%d/%d", len(f.Written), len(f.Failed), len(f.NotReached), len(f.Gone),
					written, failed, notReached, gone)
			}
			all := slices.Concat(f.Written, f.Failed, f.Gone, f.NotReached)
			slices.Sort(all)
			if !slices.Equal(all, sorted(ids)) {
				t.Fatal("the ids file does not list every connection exactly once")
			}
			has, _ := withKey(t, e, "status", "away")
			for _, id := range f.Written {
				if !slices.Contains(has, id) {
					t.Errorf("%s listed as written is not written", id)
				}
			}
			for _, id := range f.NotReached {
				if slices.Contains(has, id) {
					t.Errorf("%s listed as not reached is written", id)
				}
			}
		})
	}
}
