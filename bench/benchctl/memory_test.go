package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sizeRaw is a raw file of channel size n where goclient and update_all
// at concurrency 16 peaked at the given RSS (KiB); update_all's check
// fails when failUpdateAll.
func sizeRaw(n int, goKB, uaKB int64, failUpdateAll bool) []string {
	lines := []string{fmt.Sprintf(`{"kind":"info","fields":{"n":"%d","reps":"1"}}`, n)}
	for _, v := range []struct {
		key string
		kb  int64
		ok  bool
	}{{"goclient", goKB, true}, {"update_all", uaKB, !failUpdateAll}} {
		run := strings.Replace(runLine(v.key, 16, 1, n, float64(n), 1, 1.1, 0), `"maxrss_kb":20480`, fmt.Sprintf(`"maxrss_kb":%d`, v.kb), 1)
		lines = append(lines, run, checkLine(v.key, 16, 1, n, v.ok))
	}
	return lines
}

func TestMemory(t *testing.T) {
	tests := []struct {
		name  string
		raws  [][]string
		want  []string
		usage bool
	}{
		{
			name: "linear growth",
			// goclient: 10 MiB + 1 KiB a connection; update_all: 20 MiB + 512 B.
			raws: [][]string{sizeRaw(3000, 10*1024+3000, 20*1024+1500, false), sizeRaw(1000, 10*1024+1000, 20*1024+500, false), sizeRaw(2000, 10*1024+2000, 20*1024+1000, false)},
			want: []string{
				"| variant | concurrency | 1000 connections: MiB | 2000 connections: MiB | 3000 connections: MiB | bytes per connection (least-squares slope) |",
				"| soracron run: sora.update_all | 16 | 20.5 | 21.0 | 21.5 | 512 |",
				"| plain Go client (sora.Client) | 16 | 11.0 | 12.0 | 12.9 | 1024 |",
			},
		},
		{
			name: "a failed run does not count",
			raws: [][]string{sizeRaw(1000, 11*1024, 21*1024, false), sizeRaw(2000, 12*1024, 99*1024, true)},
			want: []string{"| soracron run: sora.update_all | 16 | 21.0 | – | – |"},
		},
		{
			name:  "one size is not enough",
			raws:  [][]string{sizeRaw(1000, 1, 1, false)},
			usage: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			var args []string
			for i, lines := range tt.raws {
				path := filepath.Join(dir, fmt.Sprintf("raw%d.jsonl", i))
				if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
				args = append(args, "-raw", path)
			}
			var stdout, stderr bytes.Buffer
			code := run(append([]string{"memory"}, args...), &stdout, &stderr)
			if tt.usage {
				if code != 2 {
					t.Fatalf("exit %d, want 2 (usage); stderr %s", code, stderr.String())
				}
				return
			}
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr.String())
			}
			for _, w := range tt.want {
				if !strings.Contains(stdout.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, stdout.String())
				}
			}
		})
	}
}
