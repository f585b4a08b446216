package logformat

import (
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// TestJSONLogDurations: durations in JSON logs are seconds, not integer
// nanoseconds, also inside groups.
func TestJSONLogDurations(t *testing.T) {
	var b strings.Builder
	logger, err := New(&b, "json", "info")
	if err != nil {
		t.Fatal(err)
	}
	logger.Info("x", slog.Duration("took", 1500*time.Millisecond), slog.Group("g", slog.Duration("wait", 250*time.Millisecond)))
	var rec struct {
		Took float64 `json:"took"`
		G    struct {
			Wait float64 `json:"wait"`
		} `json:"g"`
	}
	if err := json.Unmarshal([]byte(b.String()), &rec); err != nil || rec.Took != 1.5 || rec.G.Wait != 0.25 {
		t.Errorf("%s: %+v %v", b.String(), rec, err)
	}
}
