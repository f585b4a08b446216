package plan

import (
	"encoding/json"
	"testing"
)

// TestPlanText renders plans for people.
func TestPlanText(t *testing.T) {
	tests := []struct {
		name string
		plan *Plan
		want string
	}{
		{"nil", nil, "no changes\n"},
		{"empty", &Plan{}, "no changes\n"},
		{
			name: "all kinds",
			plan: &Plan{Changes: []Change{{
				ChannelID: "sora", ConnectionID: "0FQE5EA5YN3FS13P01QZ1JG8R0",
				Added:   map[string]any{"status": "away", "b": []any{json.Number("1"), "<x>"}},
				Changed: map[string][2]any{"seat": {json.Number("3"), json.Number("4")}, "m": {map[string]any{"a": nil}, true}},
				Removed: map[string]any{"stale": true, "old": nil},
				Push:    true,
			}}},
			want: `sora/0FQE5EA5YN3FS13P01QZ1JG8R0  + b = [1,"<x>"]  + status = "away"  ~ m: {"a":null} -> true  ~ seat: 3 -> 4  - old  - stale  (push)` + "\n",
		},
		{
			name: "no net change",
			plan: &Plan{Changes: []Change{
				{ChannelID: "a", ConnectionID: "X", Push: true},
				{ChannelID: "b", ConnectionID: "Y", Removed: map[string]any{"k": "v"}},
			}},
			want: "a/X  (no net change)  (push)\nb/Y  - k\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.plan.Text(); got != tt.want {
				t.Errorf("Text() =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}
