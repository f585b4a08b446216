package progress

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

// TestNew shows a bar only with a writer and for more than Threshold
// requests, and counts the failures in its description.
func TestNew(t *testing.T) {
	tests := []struct {
		name  string
		w     bool
		total int
		shown bool
	}{
		{"no writer", false, Threshold + 1, false},
		{"at the threshold", true, Threshold, false},
		{"above the threshold", true, Threshold + 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			var w io.Writer
			if tt.w {
				w = &out
			}
			bar := New(w, "sora.batch", tt.total)
			if (bar != nil) != tt.shown {
				t.Fatalf("bar = %v, want shown %v", bar, tt.shown)
			}
			for range tt.total {
				bar.Add(1, 1)
			}
			bar.Close()
			if tt.shown && !strings.Contains(out.String(), "failed)") {
				t.Errorf("output %q does not count the failures", out.String())
			}
			if !tt.shown && out.Len() > 0 {
				t.Errorf("output %q, want none", out.String())
			}
		})
	}
}
