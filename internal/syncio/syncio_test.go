package syncio

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

// TestConcurrentWrites writes lines from many goroutines (run with -race)
// and checks that none is lost or interleaved.
func TestConcurrentWrites(t *testing.T) {
	const writers, lines = 8, 200
	var buf Buffer
	var under strings.Builder
	w := NewWriter(&under)
	var wg sync.WaitGroup
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range lines {
				line := fmt.Sprintf("writer %d line %d\n", i, j)
				_, _ = buf.Write([]byte(line))
				_, _ = w.Write([]byte(line))
			}
		}()
	}
	wg.Wait()
	for name, got := range map[string]string{"Buffer": buf.String(), "Writer": under.String()} {
		t.Run(name, func(t *testing.T) {
			seen := map[string]bool{}
			for _, l := range strings.Split(strings.TrimSuffix(got, "\n"), "\n") {
				seen[l] = true
			}
			for i := range writers {
				for j := range lines {
					if l := fmt.Sprintf("writer %d line %d", i, j); !seen[l] {
						t.Fatalf("line %q lost or interleaved", l)
					}
				}
			}
		})
	}
	t.Run("Take empties", func(t *testing.T) {
		if got := buf.Take(); len(got) == 0 || buf.String() != "" {
			t.Errorf("Take returned %d bytes, then String = %q", len(got), buf.String())
		}
	})
}
