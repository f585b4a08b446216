package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantOutput string // compact JSON, "" for none
		wantStdout string
		noRecord   bool
	}{
		{
			name:       "json report",
			args:       []string{"-label", "variant=x", "--", "sh", "-c", `printf '{\n  "writes": 3\n}\n'`},
			wantOutput: `{"writes":3}`,
			wantStdout: "{\n  \"writes\": 3\n}\n",
		},
		{
			name:       "json on the last line",
			args:       []string{"--", "sh", "-c", `echo starting; echo '{"seconds":1.5}'`},
			wantOutput: `{"seconds":1.5}`,
			wantStdout: "starting\n{\"seconds\":1.5}\n",
		},
		{
			name:       "not json",
			args:       []string{"--", "sh", "-c", "echo hello"},
			wantStdout: "hello\n",
		},
		{
			name:     "exit code passes through",
			args:     []string{"--", "sh", "-c", "exit 3"},
			wantCode: 3,
		},
		{
			name:     "missing command",
			args:     []string{"--", "/nonexistent/command"},
			wantCode: 127,
			noRecord: true,
		},
		{
			name:     "no command",
			args:     []string{"-label", "a=b"},
			wantCode: 2,
			noRecord: true,
		},
		{
			name:     "bad label",
			args:     []string{"-label", "novalue", "--", "true"},
			wantCode: 2,
			noRecord: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "raw.jsonl")
			var stdout, stderr strings.Builder
			code := run(append([]string{"-o", out}, tt.args...), &stdout, &stderr)
			if code != tt.wantCode {
				t.Fatalf("exit code %d, want %d (stderr: %s)", code, tt.wantCode, stderr.String())
			}
			if stdout.String() != tt.wantStdout {
				t.Errorf("stdout %q, want %q", stdout.String(), tt.wantStdout)
			}
			data, err := os.ReadFile(out)
			if tt.noRecord {
				if err == nil {
					t.Errorf("a record was written: %s", data)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var rec Record
			if err := json.Unmarshal(data, &rec); err != nil {
				t.Fatalf("record %s: %v", data, err)
			}
			if rec.Kind != "run" || rec.ExitCode != tt.wantCode || string(rec.Output) != tt.wantOutput {
				t.Errorf("record %s: want kind run, exit code %d, output %s", data, tt.wantCode, tt.wantOutput)
			}
			if rec.WallS <= 0 || rec.MaxRSSKB <= 0 {
				t.Errorf("record %s: want wall time and peak RSS", data)
			}
		})
	}
}

func TestRunAppendsAndWatches(t *testing.T) {
	out := filepath.Join(t.TempDir(), "raw.jsonl")
	pid := strconv.Itoa(os.Getpid())
	for i := range 2 {
		var stdout, stderr strings.Builder
		args := []string{"-o", out, "-kind", "cold", "-watch-pid", pid, "-label", "rep=" + strconv.Itoa(i), "--", "true"}
		if code := run(args, &stdout, &stderr); code != 0 {
			t.Fatalf("exit code %d: %s", code, stderr.String())
		}
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) != 2 {
		t.Fatalf("want 2 records, got:\n%s", data)
	}
	for i, line := range lines {
		var rec Record
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatal(err)
		}
		_, procOK := processCPU(os.Getpid())
		if rec.Kind != "cold" || rec.Labels["rep"] != strconv.Itoa(i) || (procOK && rec.WatchCPUS == nil) {
			t.Errorf("record %d: %s", i, line)
		}
	}
}
