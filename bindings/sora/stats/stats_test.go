package stats

import "testing"

// TestConnCountsAdd adds the accounting of two update_all calls: counts
// sum, and the later ids file replaces the earlier one only when set.
func TestConnCountsAdd(t *testing.T) {
	tests := []struct {
		name string
		a, b ConnCounts
		want ConnCounts
	}{
		{"counts sum", ConnCounts{Connections: 3, Unchanged: 1, Written: 2}, ConnCounts{Connections: 4, Failed: 1, Gone: 1, NotReached: 2},
			ConnCounts{Connections: 7, Unchanged: 1, Written: 2, Failed: 1, Gone: 1, NotReached: 2}},
		{"later ids file", ConnCounts{IDsFile: "a.json"}, ConnCounts{IDsFile: "b.json"}, ConnCounts{IDsFile: "b.json"}},
		{"no later ids file", ConnCounts{IDsFile: "a.json"}, ConnCounts{Connections: 1, Unchanged: 1},
			ConnCounts{Connections: 1, Unchanged: 1, IDsFile: "a.json"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.a
			got.Add(tt.b)
			if got != tt.want {
				t.Errorf("Add = %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestUnhandled counts the write failures not marked handled, never below 0.
func TestUnhandled(t *testing.T) {
	tests := []struct {
		name string
		st   Stats
		want int
	}{
		{"none", Stats{}, 0},
		{"some handled", Stats{WriteFailures: 3, Handled: 1}, 2},
		{"all handled", Stats{WriteFailures: 2, Handled: 2}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.st.Unhandled(); got != tt.want {
				t.Errorf("Unhandled = %d, want %d", got, tt.want)
			}
		})
	}
}
