package updateall

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/soracron/soracron/bindings/plan"
	"github.com/soracron/soracron/sora"
)

// task returns the ended task of connection id's one put_item of key.
func task(id, key string, err error) *plan.Task {
	r := &plan.Request{Action: "put_item", Target: sora.TargetPutItem, ChannelID: "ch", ConnectionID: id, Key: key}
	t := &plan.Task{Reqs: []*plan.Request{r}}
	if err != nil {
		t.Err, t.Failed = err, r
	} else {
		t.Done = 1
	}
	return t
}

// TestSummary checks that every connection is accounted for exactly once,
// as written, failed, gone, not reached or unchanged, and that the
// warning says so only when the call did not all go well.
func TestSummary(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	unsent := &plan.Task{Reqs: []*plan.Request{{Target: sora.TargetPutItem, ConnectionID: "E"}}}
	unsent.Cancel(cancelled)
	gone := &sora.APIError{Status: 400, Target: sora.TargetPutItem, Type: "connection_not_found", Message: "gone"}
	busy := &sora.APIError{Status: 503, Target: sora.TargetPutItem, Type: "busy", Message: "later"}
	tests := []struct {
		name      string
		tasks     []*plan.Task
		n, next   int
		completed bool
		stopped   bool
		want      counted
		msg       string
	}{
		{"all written", []*plan.Task{task("B", "k", nil), task("A", "k", nil)}, 3, 3, true, false,
			counted{Written: []string{"A", "B"}, Unchanged: 1, Writes: 2}, ""},
		{"one of each", []*plan.Task{task("A", "k", nil), task("B", "k", busy), task("C", "k", gone), unsent}, 6, 5, true, false,
			counted{Written: []string{"A"}, NotWritten: []string{"B"}, Gone: []string{"C"}, NotReached: []string{"E", "c5"},
				Unchanged: 1, Writes: 1, Failed: 1}, "sora.update_all: writes failed"},
		{"stopped", []*plan.Task{task("A", "k", nil)}, 3, 1, true, true,
			counted{Written: []string{"A"}, NotReached: []string{"c1", "c2"}, Writes: 1}, "sora.update_all: stopped before the end"},
		{"stopped by an error", nil, 2, 0, false, false,
			counted{NotReached: []string{"c0", "c1"}}, "sora.update_all: stopped by an error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sum := &Summary{Connections: tt.n, Unchanged: tt.want.Unchanged}
			for _, task := range tt.tasks {
				sum.Done(task)
			}
			sum.Finish(tt.n, tt.next, func(k int) string { return fmt.Sprintf("c%d", k) })
			got := counted{Written: sum.Written, NotWritten: sum.NotWritten, Gone: sum.Gone, NotReached: sum.NotReached,
				Unchanged: sum.Unchanged, Writes: sum.Writes, Failed: sum.Failed}
			if !equal(got, tt.want) {
				t.Errorf("summary = %+v, want %+v", got, tt.want)
			}
			if total := sum.Unchanged + len(sum.Written) + sum.Failed + len(sum.Gone) + len(sum.NotReached); total != tt.n {
				t.Errorf("accounted for %d connections, want %d", total, tt.n)
			}
			var logs bytes.Buffer
			log := slog.New(slog.NewTextHandler(&logs, nil))
			if f := sum.Warn(log, "ch", t.TempDir(), tt.completed, tt.stopped, false); f != "" {
				t.Errorf("ids file %q for a few connections", f)
			}
			if tt.msg == "" {
				if logs.Len() > 0 {
					t.Errorf("logged %q, want nothing", logs.String())
				}
				return
			}
			if !strings.Contains(logs.String(), fmt.Sprintf("msg=%q", tt.msg)) {
				t.Errorf("logged %q, want the message %q", logs.String(), tt.msg)
			}
			if sum.Failed > 0 && !strings.Contains(logs.String(), `error="sora.update_all: `+sora.TargetPutItem+`: status 503 busy: later (key \"k\")"`) {
				t.Errorf("logged %q, want the first error", logs.String())
			}
		})
	}
}

// counted is what TestSummary compares of a Summary.
type counted struct {
	Written, NotWritten, Gone, NotReached []string
	Unchanged, Writes, Failed             int
}

func equal(a, b counted) bool {
	return slices.Equal(a.Written, b.Written) && slices.Equal(a.NotWritten, b.NotWritten) && slices.Equal(a.Gone, b.Gone) &&
		slices.Equal(a.NotReached, b.NotReached) && a.Unchanged == b.Unchanged && a.Writes == b.Writes && a.Failed == b.Failed
}

// TestWarnIDsFile checks that more than MaxLoggedIDs connections of a kind
// are named by a JSON file listing every one, not in the log line.
func TestWarnIDsFile(t *testing.T) {
	n := MaxLoggedIDs + 1
	sum := &Summary{Connections: n}
	sum.Finish(n, 0, func(k int) string { return fmt.Sprintf("c%03d", k) })
	var logs bytes.Buffer
	name := sum.Warn(slog.New(slog.NewTextHandler(&logs, nil)), "ch", t.TempDir(), true, true, false)
	if name == "" || !strings.Contains(logs.String(), "ids_file="+name) || strings.Contains(logs.String(), "not_reached_ids") {
		t.Fatalf("ids file %q, logged %q", name, logs.String())
	}
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		NotReached []string `json:"not_reached"`
		Written    []string `json:"written"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.NotReached) != n || got.NotReached[0] != "c000" || got.Written == nil || len(got.Written) != 0 {
		t.Errorf("ids file = %s", b)
	}
}
