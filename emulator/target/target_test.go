package target

import (
	"slices"
	"testing"
)

func TestFull(t *testing.T) {
	tests := []struct {
		name, in, want string
		ok             bool
	}{
		{"full name", PutItem, PutItem, true},
		{"action name", "PutSignalingNotifyMetadataItem", PutItem, true},
		{"action name of another version", "ListChannels", ListChannels, true},
		{"wrong version", "Sora_20201013.ListSignalingNotifyMetadata", "", false},
		{"case-sensitive", "putsignalingnotifymetadataitem", "", false},
		{"empty", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := Full(tt.in)
			if got != tt.want || ok != tt.ok {
				t.Errorf("Full(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}

// TestTable checks the table itself: one row per name and per action,
// Lookup finds every row, and the names are in Names' order.
func TestTable(t *testing.T) {
	names := Names()
	if len(names) != 17 {
		t.Errorf("%d targets, want 17", len(names))
	}
	acts := map[Action]string{}
	for i, name := range names {
		r := Lookup(name)
		if r == nil || r.Name != name {
			t.Fatalf("Lookup(%q) = %+v", name, r)
		}
		if other, dup := acts[r.Act]; dup {
			t.Errorf("%s and %s share an action", other, name)
		}
		acts[r.Act] = name
		if ActionNames()[i] != ActionName(name) {
			t.Errorf("ActionNames()[%d] = %q, want %q", i, ActionNames()[i], ActionName(name))
		}
	}
	if len(slices.Compact(slices.Sorted(slices.Values(names)))) != len(names) {
		t.Error("a name is listed twice")
	}
	if Lookup("Sora_20201124.Bogus") != nil {
		t.Error("Lookup found an unknown target")
	}
}
