package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/soracron/soracron/cli/runreport"
)

// outputScript does a dry-run write, a call that fails on a missing
// connection, then fails itself when args.boom is set.
const outputScript = `local sora = require("sora")
assert(sora.put_item("sora", "0FQE5EA5YN3FS13P01QZ1JG8R0", "status", "away"))
local md, err = sora.get("sora", "MISSINGMISSINGMISSINGMISS0")
assert(md == nil)
local function boom() error("boom here") end
if args.boom then boom() end
return {done = true}
`

// jsonLines parses every line of s as a JSON object.
func jsonLines(t *testing.T, s string) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(s))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("stderr line is not JSON: %q (%v)\nstderr:\n%s", sc.Text(), err, s)
		}
		out = append(out, m)
	}
	return out
}

// record returns the first record whose msg is msg.
func record(t *testing.T, recs []map[string]any, msg string) map[string]any {
	t.Helper()
	for _, r := range recs {
		if r["msg"] == msg {
			return r
		}
	}
	t.Fatalf("no record %q in %v", msg, recs)
	return nil
}

func TestRunLogFormatJSON(t *testing.T) {
	script := writeScript(t, t.TempDir(), "out.lua", outputScript)
	t.Run("success", func(t *testing.T) {
		code, stdout, stderr := runCLI(t, context.Background(), nil, "run", "--emulator", "--dry-run", "--log-format", "json", script)
		if code != 0 || stdout != "{\n  \"done\": true\n}\n" {
			t.Fatalf("exit %d, stdout %q, stderr:\n%s", code, stdout, stderr)
		}
		recs := jsonLines(t, stderr)
		plan := record(t, recs, "plan")
		if !strings.Contains(mustMarshal(t, plan["plan"]), `"added":{"status":"away"}`) &&
			!strings.Contains(mustMarshal(t, plan["plan"]), `"changed":{"status":`) {
			t.Errorf("plan record = %v", plan)
		}
		dump := record(t, recs, "emulator metadata after the run")
		if conns, ok := dump["connections"].([]any); !ok || len(conns) != 5 {
			t.Errorf("emulator dump = %v", dump)
		}
		sum := record(t, recs, "summary")
		if _, ok := sum["duration"].(float64); !ok || sum["outcome"] != "ok" || sum["failures"] != 1.0 || sum["writes"] != 1.0 {
			t.Errorf("summary record = %v", sum)
		}
		failed, _ := sum["failed"].([]any)
		if len(failed) != 1 || failed[0].(map[string]any)["connection_id"] != "MISSINGMISSINGMISSINGMISS0" {
			t.Errorf("failed = %v", sum["failed"])
		}
	})
	t.Run("error with traceback", func(t *testing.T) {
		code, _, stderr := runCLI(t, context.Background(), nil, "run", "--emulator", "--log-format", "json", "--arg", "boom=1", script)
		if code != 1 {
			t.Fatalf("exit %d, stderr:\n%s", code, stderr)
		}
		recs := jsonLines(t, stderr)
		last := recs[len(recs)-1]
		if last["level"] != "ERROR" || !strings.Contains(last["error"].(string), "out.lua:5: boom here") ||
			!strings.Contains(last["traceback"].(string), "in function 'boom'") || strings.Contains(last["error"].(string), "traceback") {
			t.Errorf("error record = %v", last)
		}
		if sum := record(t, recs, "summary"); sum["outcome"] != "failed" || sum["level"] != "ERROR" {
			t.Errorf("summary = %v", sum)
		}
	})
	t.Run("unknown flag", func(t *testing.T) {
		code, _, stderr := runCLI(t, context.Background(), nil, "run", "--log-format", "json", "--no-such-flag", script)
		recs := jsonLines(t, stderr)
		if code != 2 || len(recs) != 1 || !strings.Contains(recs[0]["error"].(string), "unknown flag: --no-such-flag") {
			t.Errorf("exit %d, records %v", code, recs)
		}
	})
	t.Run("from the environment", func(t *testing.T) {
		code, _, stderr := runCLI(t, context.Background(), map[string]string{"SORACRON_LOG_FORMAT": "json"}, "run", "--emulator", "--no-such-flag", script)
		recs := jsonLines(t, stderr)
		if code != 2 || len(recs) != 1 {
			t.Errorf("exit %d, records %v", code, recs)
		}
	})
	t.Run("usage error", func(t *testing.T) {
		code, _, stderr := runCLI(t, context.Background(), nil, "run", "--emulator", "--log-format", "json", filepath.Join(t.TempDir(), "nope.lua"))
		recs := jsonLines(t, stderr)
		if code != 2 || len(recs) != 1 || !strings.Contains(recs[0]["error"].(string), "no such file") {
			t.Errorf("exit %d, records %v", code, recs)
		}
	})
}

func mustMarshal(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestRunSummaryJSON(t *testing.T) {
	dir := t.TempDir()
	script := writeScript(t, dir, "out.lua", outputScript)
	t.Run("stdout", func(t *testing.T) {
		code, stdout, stderr := runCLI(t, context.Background(), nil, "run", "--emulator", "--dry-run", "--summary-json", "-", script)
		if code != 0 {
			t.Fatalf("exit %d, stderr:\n%s", code, stderr)
		}
		var sum runreport.Summary
		dec := json.NewDecoder(strings.NewReader(stdout))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&sum); err != nil || dec.More() {
			t.Fatalf("stdout is not one summary document (%v):\n%s", err, stdout)
		}
		if sum.Outcome != "ok" || sum.DurationSeconds <= 0 || sum.Duration == "" || sum.Calls["put_item"] != 1 || sum.Calls["get"] != 1 ||
			sum.CallsTotal != 2 || sum.Failures != 1 || len(sum.Failed) != 1 || sum.Failed[0].ConnectionID != "MISSINGMISSINGMISSINGMISS0" ||
			sum.Failed[0].Type != "connection_not_found" || sum.Writes != 1 || !sum.DryRun || sum.Plan == nil || len(sum.Plan.Changes) != 1 ||
			mustMarshal(t, sum.Result) != `{"done":true}` {
			t.Errorf("summary = %+v", sum)
		}
		if !strings.Contains(stderr, "soracron: ok in") {
			t.Errorf("stderr keeps its summary line: %s", stderr)
		}
	})
	t.Run("file, failed run", func(t *testing.T) {
		path := filepath.Join(dir, "summary.json")
		code, stdout, _ := runCLI(t, context.Background(), nil, "run", "--emulator", "--summary-json", path, "--arg", "boom=1", script)
		data, err := os.ReadFile(path)
		if code != 1 || stdout != "" || err != nil {
			t.Fatalf("exit %d, stdout %q, %v", code, stdout, err)
		}
		var sum runreport.Summary
		if err := json.Unmarshal(data, &sum); err != nil {
			t.Fatal(err)
		}
		if sum.Outcome != "failed" || !strings.Contains(sum.Error, "boom here") || !strings.Contains(sum.Traceback, "boom") || sum.Plan != nil || sum.Writes != 1 {
			t.Errorf("summary = %+v", sum)
		}
	})
	t.Run("plan on stdout", func(t *testing.T) {
		t.Chdir(dir)
		code, stdout, stderr := runCLI(t, context.Background(), nil, "run", "--emulator", "--dry-run", "--plan-json", "-", script)
		if code != 0 || !strings.Contains(stdout, `"connection_id": "0FQE5EA5YN3FS13P01QZ1JG8R0"`) {
			t.Fatalf("exit %d, stdout %q, stderr:\n%s", code, stdout, stderr)
		}
		if _, err := os.Stat(filepath.Join(dir, "-")); err == nil {
			t.Error("a file named - was created")
		}
	})
	t.Run("both on stdout", func(t *testing.T) {
		code, _, stderr := runCLI(t, context.Background(), nil, "run", "--emulator", "--dry-run", "--plan-json", "-", "--summary-json", "-", script)
		if code != 2 || !strings.Contains(stderr, "both write to stdout") {
			t.Errorf("exit %d, stderr %s", code, stderr)
		}
	})
}
