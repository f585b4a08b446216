package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runLine is a run record of measure, as bench/run writes it.
func runLine(variant string, conc, rep, want int, writes, seconds, wall float64, exit int) string {
	return fmt.Sprintf(`{"kind":"run","labels":{"variant":%q,"concurrency":"%d","rep":"%d","id":"%s-c%d-r%d","want":"%d"},`+
		`"wall_s":%g,"user_s":0.5,"sys_s":0.1,"maxrss_kb":20480,"exit_code":%d,"watch_cpu_s":0.3,`+
		`"output":{"writes":%g,"seconds":%g,"list_seconds":0.01}}`,
		variant, conc, rep, variant, conc, rep, want, wall, exit, writes, seconds)
}

func checkLine(variant string, conc, rep, checked int, ok bool) string {
	problem := ""
	if !ok {
		problem = "connection X: bench = old, want \"new\""
	}
	return fmt.Sprintf(`{"kind":"check","labels":{"id":"%s-c%d-r%d"},"checked":%d,"ok":%t,"problem":%q}`,
		variant, conc, rep, checked, ok, problem)
}

// fullRaw is a raw file where every variant wrote 1000 connections in 1s
// (curl: 10 in 1s), soracron at the given write-phase seconds.
func fullRaw(soracronSeconds float64) []string {
	lines := []string{`{"kind":"info","fields":{"n":"1000","reps":"1","command":"bench/run -n 1000 -r 1","loadavg":"1.00 1.00 1.00"}}`}
	add := func(v string, conc, want int, seconds float64) {
		lines = append(lines, runLine(v, conc, 1, want, float64(want), seconds, seconds+0.1, 0), checkLine(v, conc, 1, want, true))
	}
	for _, c := range []int{1, 4, 16, 64} {
		add("goclient", c, 1000, 1)
		add("update_all", c, 1000, soracronSeconds)
		add("batch", c, 1000, soracronSeconds)
	}
	add("put_item_loop", 1, 1000, soracronSeconds)
	add("python", 1, 1000, 2)
	add("curl", 1, 10, 1)
	lines = append(lines, `{"kind":"cold","labels":{"rep":"1"},"wall_s":0.02,"user_s":0.01,"sys_s":0.005,"maxrss_kb":12000,"exit_code":0,"output":1}`)
	return lines
}

func TestRender(t *testing.T) {
	tests := []struct {
		name       string
		lines      []string
		wantFailed int
		want       []string
		wantNot    []string
	}{
		{
			name:  "all ok, targets met",
			lines: fullRaw(0.95),
			want: []string{
				"| soracron run: sora.update_all | 16 | 1000 | 1053 | 1.06× | 105× |",
				"| plain Go client (sora.Client) | 64 | 1000 | 1000 |  | 100× |",
				"| bash loop of curl (sample: 10 requests) | 1 | 10 | 10.0 |",
				"| soracron run: sora.batch | 4 | 1.05× ok | 105× ok |",
				"Every soracron variant meets both targets.",
				"**Checks: all checks passed** (15 runs",
				"| 20.0 (20.0–20.0) | 15.0 | 11.7 |",
			},
			wantNot: []string{"MISS", "FAILED"},
		},
		{
			name:  "slower than the Go client",
			lines: fullRaw(1.25),
			want: []string{
				"| soracron run: sora.batch | 64 | 0.80× **MISS** | 80× **MISS** |",
				"- soracron run: sora.put_item loop at concurrency 1: 0.80× the Go client",
				"**Checks: all checks passed**",
			},
		},
		{
			name: "check failed",
			lines: append(fullRaw(1)[:1],
				runLine("update_all", 16, 1, 1000, 1000, 1, 1.1, 0), checkLine("update_all", 16, 1, 1000, false)),
			wantFailed: 1,
			want: []string{
				`**FAILED** 1/1: rep 1: check failed: connection X: bench = old, want "new"`,
				"**Checks: 1 of 1 runs FAILED**",
			},
		},
		{
			name: "claims fewer writes than wanted",
			lines: append(fullRaw(1)[:1],
				runLine("batch", 4, 1, 1000, 999, 1, 1.1, 0), checkLine("batch", 4, 1, 1000, true)),
			wantFailed: 1,
			want:       []string{"claims 999 writes, want 1000"},
		},
		{
			name: "client failed",
			lines: append(fullRaw(1)[:1],
				runLine("python", 1, 1, 1000, 0, 0, 0.2, 1), checkLine("python", 1, 1, 1000, false)),
			wantFailed: 1,
			want:       []string{"rep 1: exit code 1"},
		},
		{
			name:       "not checked",
			lines:      append(fullRaw(1)[:1], runLine("goclient", 1, 1, 1000, 1000, 1, 1.1, 0)),
			wantFailed: 1,
			want:       []string{"rep 1: not checked"},
		},
		{
			name:       "no runs at all",
			lines:      fullRaw(1)[:1],
			wantFailed: 1,
			want:       []string{"**Checks: 0 of 0 runs FAILED**"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkRender(t, tt.lines, tt.wantFailed, tt.want, tt.wantNot)
		})
	}
}

// checkRender renders the raw file of lines and checks the number of
// failed runs and that the report holds every line of want and none of
// wantNot.
func checkRender(t *testing.T, lines []string, wantFailed int, want, wantNot []string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "raw.jsonl")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	recs, err := readRaw(path)
	if err != nil {
		t.Fatal(err)
	}
	md, failed := render(recs)
	if failed != wantFailed {
		t.Errorf("failed = %d, want %d", failed, wantFailed)
	}
	for _, w := range want {
		if !strings.Contains(md, w) {
			t.Errorf("missing %q in:\n%s", w, md)
		}
	}
	for _, w := range wantNot {
		if strings.Contains(md, w) {
			t.Errorf("unexpected %q in:\n%s", w, md)
		}
	}
}

func TestMedianAndSpread(t *testing.T) {
	tests := []struct {
		name string
		in   []float64
		want spread
	}{
		{"none", nil, spread{}},
		{"one", []float64{3}, spread{3, 3, 3}},
		{"odd", []float64{5, 1, 3}, spread{3, 1, 5}},
		{"even", []float64{4, 1, 3, 2}, spread{2.5, 1, 4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := summarize(tt.in); got != tt.want {
				t.Errorf("summarize(%v) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestSpreadIndexes(t *testing.T) {
	tests := []struct {
		name string
		n, k int
		want []int
	}{
		{"all", 4, 0, []int{0, 1, 2, 3}},
		{"more than n", 3, 5, []int{0, 1, 2}},
		{"half", 10, 5, []int{0, 2, 4, 6, 8}},
		{"uneven", 10, 3, []int{0, 3, 6}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := json.Marshal(spreadIndexes(tt.n, tt.k))
			want, _ := json.Marshal(tt.want)
			if string(got) != string(want) {
				t.Errorf("spreadIndexes(%d, %d) = %s, want %s", tt.n, tt.k, got, want)
			}
		})
	}
}

func TestTableCommand(t *testing.T) {
	dir := t.TempDir()
	raw := filepath.Join(dir, "raw.jsonl")
	out := filepath.Join(dir, "results.md")
	tests := []struct {
		name     string
		lines    []string
		wantCode int
	}{
		{"ok", fullRaw(1), 0},
		{"failed run", append(fullRaw(1), runLine("batch", 16, 2, 1000, 1000, 1, 1.1, 0)), 1},
		{"bad line", []string{"{not json"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := os.WriteFile(raw, []byte(strings.Join(tt.lines, "\n")+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			os.Remove(out)
			var stdout, stderr strings.Builder
			code := run([]string{"table", "-raw", raw, "-o", out}, &stdout, &stderr)
			if code != tt.wantCode {
				t.Fatalf("exit code %d, want %d; stderr: %s", code, tt.wantCode, stderr.String())
			}
			if code == 1 && tt.name == "bad line" {
				return
			}
			md, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if string(md) != stdout.String() || !strings.Contains(string(md), "# soracron benchmark") {
				t.Errorf("results.md and stdout differ or are empty:\n%s\n---\n%s", md, stdout.String())
			}
		})
	}
}
