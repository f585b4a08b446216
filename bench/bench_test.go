// Package bench holds the benchmark of soracron against what operators do
// today (bench/run) and its smoke test.
package bench_test

import (
	"bytes"
	"context"
	"errors"
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
	{"soracron run: sora.batch, requests pulled", 1},
	{"soracron run: sora.batch, requests pulled", 4},
	{"soracron run: sora.batch, requests pulled", 16},
	{"soracron run: sora.batch, requests pulled", 64},
	{"plain Go client (sora.Client)", 1},
	{"plain Go client (sora.Client)", 4},
	{"plain Go client (sora.Client)", 16},
	{"plain Go client (sora.Client)", 64},
	{"Python 3 http.client, keep-alive", 1},
	{"bash loop of curl (sample: 20 requests)", 1},
}

// runBench runs bench/run with args and returns its stdout, failing the
// test if it fails. The tools it drives must be installed: in CI (CI set)
// a missing one fails the test, elsewhere it skips it naming the package.
func runBench(t *testing.T, args ...string) *bytes.Buffer {
	t.Helper()
	for _, tool := range []struct{ name, from string }{
		{"bash", "Debian package bash"}, {"go", "the Go toolchain"},
		{"curl", "Debian package curl"}, {"python3", "Debian package python3"},
	} {
		if _, err := exec.LookPath(tool.name); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("CI needs %s (%s): %v", tool.name, tool.from, err)
			}
			t.Skipf("%s not found (%s): %v", tool.name, tool.from, err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "./run", args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	// Interrupt rather than kill on timeout, so bench/run's trap stops the
	// emulator it started.
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 30 * time.Second
	if err := cmd.Run(); err != nil {
		t.Fatalf("bench/run: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	return &stdout
}

// TestRunQuick runs `bench/run --quick -n 100 -r 1` end to end (build,
// emulator process, every variant, checks, table) and checks the table has
// every row and that every run wrote what it claims.
func TestRunQuick(t *testing.T) {
	if testing.Short() {
		t.Skip("builds soracron and runs every client; skipped with -short")
	}
	out := t.TempDir()
	stdout := runBench(t, "--quick", "-n", "100", "-r", "1", "--out", out)
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
		"**Checks: all checks passed** (19 runs",
		"## Targets",
		"## Paired with the plain Go client",
		"| soracron run: sora.batch, requests pulled | 64 | 1 |",
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

// TestRunSizes runs `bench/run --sizes 50,100` (quick, one concurrency)
// and checks that one command gives the table of each size, in one
// results.md that is also its stdout.
func TestRunSizes(t *testing.T) {
	if testing.Short() {
		t.Skip("builds soracron and runs every client; skipped with -short")
	}
	out := t.TempDir()
	stdout := runBench(t, "--quick", "--sizes", "50,100", "-r", "1", "--concurrency", "4",
		"--curl-sample", "5", "--cold", "1", "--out", out)
	md, err := os.ReadFile(filepath.Join(out, "results.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(md, stdout.Bytes()) {
		t.Errorf("stdout differs from results.md:\nstdout:\n%s\nresults.md:\n%s", stdout.String(), md)
	}
	table := string(md)
	for _, n := range []int{50, 100} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			i := strings.Index(table, fmt.Sprintf("\n# %d connections\n", n))
			if i < 0 {
				t.Fatalf("no section for %d connections in:\n%s", n, table)
			}
			section := table[i:]
			if j := strings.Index(section[1:], "\n# "); j >= 0 {
				section = section[:j+1]
			}
			for _, want := range []string{
				fmt.Sprintf("`bench/run -n %d -r 1 --quick --concurrency 4", n),
				fmt.Sprintf("| soracron run: sora.update_all | 4 | %d |", n),
				fmt.Sprintf("| plain Go client (sora.Client) | 4 | %d |", n),
				"**Checks: all checks passed**",
			} {
				if !strings.Contains(section, want) {
					t.Errorf("section lacks %q:\n%s", want, section)
				}
			}
		})
	}
	t.Run("memory by size", func(t *testing.T) {
		for _, want := range []string{
			"# Client peak RSS by channel size",
			"| soracron run: sora.update_all | 4 |",
			"| plain Go client (sora.Client) | 4 |",
		} {
			if !strings.Contains(table, want) {
				t.Errorf("results.md lacks %q:\n%s", want, table)
			}
		}
	})
	t.Run("-n and --sizes", func(t *testing.T) {
		out, err := exec.Command("./run", "-n", "10", "--sizes", "10").CombinedOutput()
		if code := exitCode(err); code != 2 || !strings.Contains(string(out), "give -n or --sizes, not both") {
			t.Errorf("exit %d, output %s", code, out)
		}
	})
}

// exitCode is the exit code of a command's error (0 for nil).
func exitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

// TestRunVariants runs `bench/run --variants goclient,update_all` (quick,
// one concurrency) and checks the table has those rows and no other
// variant's; an unknown variant is a usage error.
func TestRunVariants(t *testing.T) {
	if testing.Short() {
		t.Skip("builds soracron and runs clients; skipped with -short")
	}
	stdout := runBench(t, "--quick", "-n", "50", "-r", "1", "--concurrency", "4",
		"--variants", "goclient,update_all", "--cold", "1", "--out", t.TempDir())
	table := stdout.String()
	for _, tt := range []struct {
		name, text string
		want       bool
	}{
		{"command", "`bench/run -n 50 -r 1 --quick --concurrency 4 --variants goclient,update_all", true},
		{"update_all row", "| soracron run: sora.update_all | 4 | 50 |", true},
		{"Go client row", "| plain Go client (sora.Client) | 4 | 50 |", true},
		{"all checked", "**Checks: all checks passed** (2 runs", true},
		{"no batch row", "| soracron run: sora.batch |", false},
		{"no batch_stream row", "| soracron run: sora.batch, requests pulled |", false},
		{"no put_item loop row", "| soracron run: sora.put_item loop |", false},
		{"no Python row", "| Python 3", false},
		{"no curl row", "| bash loop of curl", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if strings.Contains(table, tt.text) != tt.want {
				t.Errorf("table contains %q: %v, want %v:\n%s", tt.text, !tt.want, tt.want, table)
			}
		})
	}
	t.Run("unknown variant", func(t *testing.T) {
		out, err := exec.Command("./run", "--variants", "goclient,rust").CombinedOutput()
		if code := exitCode(err); code != 2 || !strings.Contains(string(out), "unknown variant 'rust'") {
			t.Errorf("exit %d, output %s", code, out)
		}
	})
}
