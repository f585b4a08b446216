// Package bench holds the benchmark of soracron against what operators do
// today (bench/run) and its smoke test.
package bench_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// rows are the rows bench/run must print, by the variant (first column)
// and concurrency (second column) of each.
var rows = []struct {
	variant string
	conc    int
}{
	{"soracron run: sora.put_item loop", 1},
	{"soracron run: sora.update_all", 1},
	{"soracron run: sora.update_all", 4},
	{"soracron run: sora.update_all", 16},
	{"soracron run: sora.update_all", 64},
	{"soracron run: sora.batch", 1},
	{"soracron run: sora.batch", 4},
	{"soracron run: sora.batch", 16},
	{"soracron run: sora.batch", 64},
	{"plain Go client (sora.Client)", 1},
	{"plain Go client (sora.Client)", 4},
	{"plain Go client (sora.Client)", 16},
	{"plain Go client (sora.Client)", 64},
	{"Python 3 http.client, keep-alive", 1},
	{"bash loop of curl (sample: 20 requests)", 1},
}

// TestRunQuick runs `bench/run --quick -n 100 -r 1` end to end (build,
// emulator process, every variant, checks, table) and checks the table has
// every row and that every run wrote what it claims.
func TestRunQuick(t *testing.T) {
	if testing.Short() {
		t.Skip("builds soracron and runs every client; skipped with -short")
	}
	for _, tool := range []string{"bash", "go", "curl", "python3"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not found: %v", tool, err)
		}
	}
	out := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "./run", "--quick", "-n", "100", "-r", "1", "--out", out)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	// Interrupt rather than kill on timeout, so bench/run's trap stops the
	// emulator it started.
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 30 * time.Second
	err := cmd.Run()
	if err != nil {
		t.Fatalf("bench/run: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	md, err := os.ReadFile(filepath.Join(out, "results.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(md, stdout.Bytes()) {
		t.Errorf("stdout differs from results.md:\nstdout:\n%s\nresults.md:\n%s", stdout.String(), md)
	}
	table := string(md)
	for _, row := range rows {
		t.Run(fmt.Sprintf("%s c=%d", row.variant, row.conc), func(t *testing.T) {
			prefix := fmt.Sprintf("| %s | %d |", row.variant, row.conc)
			line := lineWith(table, prefix)
			if line == "" {
				t.Fatalf("no row %q in:\n%s", prefix, table)
			}
			if !strings.HasSuffix(line, "| ok (1/1) |") {
				t.Errorf("row not checked ok: %s", line)
			}
		})
	}
	for _, want := range []string{
		"**Checks: all checks passed** (15 runs",
		"## Targets",
		"## Cold start",
		"write phase: requests/s",
		"whole process: wall s",
		"Load average",
	} {
		if !strings.Contains(table, want) {
			t.Errorf("results.md lacks %q:\n%s", want, table)
		}
	}
}

// lineWith returns the line of s that starts with prefix, "" if none.
func lineWith(s, prefix string) string {
	for line := range strings.SplitSeq(s, "\n") {
		if strings.HasPrefix(line, prefix) {
			return line
		}
	}
	return ""
}
