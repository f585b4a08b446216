package scheduler

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestDecodeTriggerOptions: the body of a manual run, as the API and the
// dashboard read it.
func TestDecodeTriggerOptions(t *testing.T) {
	tests := []struct {
		name, body string
		want       string // the options as JSON (their wire form), or the error's text
		err        bool
	}{
		{"empty", ``, `{}`, false},
		{"white space", " \n\t", `{}`, false},
		{"args and dry run", `{"args": {"n": 12345678901234567890, "who": "a"}, "dry_run": true}`,
			`{"args":{"n":12345678901234567890,"who":"a"},"dry_run":true}`, false},
		{"args not an object", `{"args": [1]}`, `body: want {"args": {...}, "dry_run": true|false}: json: cannot unmarshal array`, true},
		{"unknown field", `{"arg": {}}`, `unknown field "arg"`, true},
		{"cut short", `{`, `body: want {"args": {...}, "dry_run": true|false}: unexpected EOF: the JSON ended before the value was complete`, true},
		{"cut short in a string", `{"args": {"who": "a`, `the JSON ended before the value was complete`, true},
		{"data after the object", `{} {}`, `body: unexpected data after the JSON object`, true},
		{"too big", `{"args": {"x": "` + strings.Repeat("a", MaxTriggerBody) + `"}}`, `body: over 1048576 bytes`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeTriggerOptions(strings.NewReader(tt.body))
			if tt.err {
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("error %v, want it to contain %q", err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			b, _ := json.Marshal(got)
			if string(b) != tt.want {
				t.Errorf("got %s, want %s", b, tt.want)
			}
		})
	}
}
