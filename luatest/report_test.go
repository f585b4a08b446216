package luatest

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"
)

func TestTextReporter(t *testing.T) {
	pass := Result{Name: "passes", File: "a_test.lua", OK: true, Duration: 3 * time.Millisecond, Output: "level=INFO msg=hi\n"}
	fail := Result{Name: "fails", File: "a_test.lua", Where: "a_test.lua:12", Line: 12, Duration: time.Millisecond,
		Error: "t.eq failed\n  - want 1\n  + got  2", Output: "level=INFO msg=one\nlevel=WARN msg=two\n"}
	slow := Result{Name: "slow", File: "a_test.lua", OK: true, Duration: 1250 * time.Millisecond}
	load := Result{Name: LoadName, File: "b_test.lua", Error: "boom"}
	tests := []struct {
		name    string
		verbose bool
		results []Result
		want    string
	}{
		{"pass", false, []Result{pass, slow}, "--- ok: passes (3ms)\n--- ok: slow (1.25s)\n"},
		{"verbose shows logs", true, []Result{pass}, "--- ok: passes (3ms)\n    level=INFO msg=hi\n"},
		{"failure with diff and logs", false, []Result{fail},
			"--- FAIL: fails (a_test.lua:12)\n    t.eq failed\n      - want 1\n      + got  2\n    log:\n      level=INFO msg=one\n      level=WARN msg=two\n"},
		{"failure without position", false, []Result{load}, "--- FAIL: (load) (b_test.lua)\n    boom\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			r := &TextReporter{W: &buf, Verbose: tc.verbose}
			for _, res := range tc.results {
				r.Test(res)
			}
			if buf.String() != tc.want {
				t.Errorf("output:\n%s\nwant:\n%s", buf.String(), tc.want)
			}
		})
	}
	var buf bytes.Buffer
	(&TextReporter{W: &buf}).File("a_test.lua", Summary{Passed: 2, Failed: 1}, 20*time.Millisecond)
	if want := "FAIL a_test.lua (2 passed, 1 failed, 20ms)\n"; buf.String() != want {
		t.Errorf("file line %q, want %q", buf.String(), want)
	}
}

func TestJSONReporter(t *testing.T) {
	var buf bytes.Buffer
	r := &JSONReporter{W: &buf}
	r.Test(Result{Name: "ok", File: "a_test.lua", OK: true, Duration: 1500 * time.Microsecond})
	r.Test(Result{Name: "bad", File: "a_test.lua", Where: "a_test.lua:3", Line: 3, Error: "t.eq failed"})
	r.File("a_test.lua", Summary{}, 0)
	want := `{"name":"ok","file":"a_test.lua","ok":true,"duration_ms":1.5}` + "\n" +
		`{"name":"bad","file":"a_test.lua","ok":false,"duration_ms":0,"error":"t.eq failed","where":"a_test.lua:3","line":3}` + "\n"
	if buf.String() != want {
		t.Errorf("output:\n%s\nwant:\n%s", buf.String(), want)
	}
	for _, line := range bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n")) {
		if !json.Valid(line) {
			t.Errorf("invalid JSON line %s", line)
		}
	}
}
