package plan

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/soracron/soracron/sora"
)

func TestOverlay(t *testing.T) {
	putItem := func(key, value string, push bool) *Request {
		return &Request{Target: sora.TargetPutItem, Key: key, Value: []byte(value), Push: push, Write: true}
	}
	deleteItem := func(key string) *Request {
		return &Request{Target: sora.TargetDeleteItem, Key: key, Write: true}
	}
	tests := []struct {
		name    string
		orig    string
		writes  []*Request
		current string
		change  Change
	}{
		{
			name: "items", orig: `{"a":1,"b":[1,2],"s":"x"}`,
			writes:  []*Request{putItem("c", `3`, false), deleteItem("a"), putItem("b", `[1,2]`, false), putItem("s", `"y"`, true)},
			current: `{"b":[1,2],"c":3,"s":"y"}`,
			change: Change{ChannelID: "ch", ConnectionID: "C",
				Added: map[string]any{"c": json.Number("3")}, Removed: map[string]any{"a": json.Number("1")},
				Changed: map[string][2]any{"s": {"x", "y"}}, Push: true},
		},
		{
			name: "put replaces", orig: `{"a":1}`,
			writes:  []*Request{{Target: sora.TargetPut, Value: []byte(`{"z":null}`), Write: true}},
			current: `{"z":null}`,
			change: Change{ChannelID: "ch", ConnectionID: "C",
				Added: map[string]any{"z": nil}, Removed: map[string]any{"a": json.Number("1")}},
		},
		{
			name: "delete empties", orig: `{"a":{"b":true}}`,
			writes:  []*Request{{Target: sora.TargetDelete, Write: true, Push: true}},
			current: `{}`,
			change:  Change{ChannelID: "ch", ConnectionID: "C", Removed: map[string]any{"a": map[string]any{"b": true}}, Push: true},
		},
		{
			name: "written back", orig: `{"k":"v"}`,
			writes:  []*Request{deleteItem("k"), putItem("k", `"v"`, false)},
			current: `{"k":"v"}`,
			change:  Change{ChannelID: "ch", ConnectionID: "C"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := NewOverlay()
			if o.Entry("ch", "C") != nil {
				t.Fatal("entry before any seed")
			}
			e, err := o.Seed("ch", "C", []byte(tt.orig))
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.writes {
				if err := o.Apply(e, w); err != nil {
					t.Fatal(err)
				}
			}
			// A second seed (a later read of the server) keeps the writes.
			if again, err := o.Seed("ch", "C", []byte(`{"other":1}`)); err != nil || again != e || o.Entry("ch", "C") != e {
				t.Fatalf("second seed = %p, %v; want the first entry %p", again, err, e)
			}
			if got := string(o.Current(e)); got != tt.current {
				t.Errorf("Current = %s, want %s", got, tt.current)
			}
			p := o.Plan()
			if len(p.Changes) != 1 || !reflect.DeepEqual(p.Changes[0], tt.change) {
				t.Errorf("Plan = %+v, want %+v", p.Changes, tt.change)
			}
		})
	}
}

func TestOverlaySeedRejectsNonObject(t *testing.T) {
	if _, err := NewOverlay().Seed("ch", "C", []byte(`[1]`)); err == nil {
		t.Fatal("seeding with an array succeeded")
	}
}

func TestJoinObject(t *testing.T) {
	got := string(JoinObject(map[string][]byte{"b": []byte(`2`), "a\"q": []byte(`{"x":[]}`), "é": []byte(`null`)}))
	if want := `{"a\"q":{"x":[]},"b":2,"é":null}`; got != want {
		t.Errorf("JoinObject = %s, want %s", got, want)
	}
}
