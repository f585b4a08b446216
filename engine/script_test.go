package engine_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/soracron/soracron/engine"
)

// TestLoadPins: a run with Request.Compiled executes the chunk Load
// compiled, whatever the file holds now, in this process and in a child.
func TestLoadPins(t *testing.T) {
	e := isolatedEngine(t, "serve", nil)
	for _, iso := range []engine.Isolation{engine.IsolationNone, engine.IsolationProcess} {
		t.Run(string(iso), func(t *testing.T) {
			path := writeScript(t, `return "pinned"`)
			sc, err := e.Load(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte("return (\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			res, err := e.Run(context.Background(), engine.Request{Script: path, Compiled: sc, Isolation: iso, Timeout: 30 * time.Second})
			if err != nil || res.Value != "pinned" {
				t.Fatalf("pinned run = %v, %v; want \"pinned\"", res.Value, err)
			}
			// Without Compiled, the run reads the file as it is now.
			if _, err := e.Run(context.Background(), engine.Request{Script: path, Isolation: iso, Timeout: 30 * time.Second}); err == nil {
				t.Fatal("unpinned run of a broken file succeeded")
			}
		})
	}
}
