package luatest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// collector is a Reporter that keeps the results.
type collector struct {
	mu      sync.Mutex
	results []Result
	files   []string
}

func (c *collector) Test(r Result) {
	c.mu.Lock()
	c.results = append(c.results, r)
	c.mu.Unlock()
}

func (c *collector) File(file string, _ Summary, _ time.Duration) {
	c.mu.Lock()
	c.files = append(c.files, file)
	c.mu.Unlock()
}

// byName returns the result of the test named name.
func (c *collector) byName(t *testing.T, name string) Result {
	t.Helper()
	for _, r := range c.results {
		if r.Name == name {
			return r
		}
	}
	t.Fatalf("no result for test %q; have %+v", name, c.results)
	return Result{}
}

// writeFiles writes files (relative path -> content) under a new temporary
// directory and returns it.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// runLua writes files, runs the test file main_test.lua among them and
// returns the summary and the results.
func runLua(t *testing.T, files map[string]string, opts Options) (Summary, *collector) {
	t.Helper()
	dir := writeFiles(t, files)
	c := &collector{}
	opts.Reporter = c
	if opts.Timeout == 0 {
		opts.Timeout = 20 * time.Second
	}
	sum := Run(context.Background(), []string{filepath.Join(dir, "main_test.lua")}, opts)
	return sum, c
}

// lines joins Lua source lines.
func lines(ls ...string) string { return strings.Join(ls, "\n") + "\n" }
