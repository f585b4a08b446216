package scriptargs

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name     string
		kvs      []string
		argsJSON string
		want     map[string]any
		wantErr  string
	}{
		{"nothing", nil, "", map[string]any{}, ""},
		{"--arg values are strings", []string{"n=10", "s=a=b"}, "", map[string]any{"n": "10", "s": "a=b"}, ""},
		{"--args-json keeps JSON types", nil, `{"n": 9007199254740993, "b": true, "a": [1, null], "o": {"x": "y"}}`,
			map[string]any{"n": json.Number("9007199254740993"), "b": true, "a": []any{json.Number("1"), nil}, "o": map[string]any{"x": "y"}}, ""},
		{"--arg wins over --args-json", []string{"n=5"}, `{"n": 1, "m": 2}`, map[string]any{"n": "5", "m": json.Number("2")}, ""},
		{"--arg without =", []string{"novalue"}, "", nil, `--arg "novalue": want KEY=VALUE`},
		{"--arg with an empty key", []string{"=v"}, "", nil, `--arg "=v": want KEY=VALUE`},
		{"not an object", nil, `[1]`, nil, `want a JSON object such as '{"minutes": 10}', got an array`},
		{"not JSON", nil, `nope`, nil, "--args-json: not valid JSON"},
		{"object cut short", nil, `{`, nil, "--args-json: not valid JSON: unexpected end of input"},
		{"object cut after a value", nil, `{"a": 1,`, nil, "--args-json: not valid JSON: unexpected end of input"},
		{"array cut short", nil, `{"a": [1`, nil, "--args-json: not valid JSON: unexpected end of input"},
		{"key without a value", nil, `{"a"`, nil, "--args-json: not valid JSON"},
		{"data after the object", nil, `{} {}`, nil, "unexpected data after the JSON object"},
		{"key given twice", nil, `{"a": 1, "a": 2}`, nil, `key "a" given twice in the top-level object`},
		{"nested key given twice", nil, `{"o": {"x": 1, "x": 2}}`, nil, `key "x" given twice in args.o`},
		{"number out of range", nil, `{"a": [1, -1e999]}`, nil, "number -1e999 at args.a[1] is out of range"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.kvs, tt.argsJSON)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Parse = %#v, %v; want %#v", got, err, tt.want)
			}
		})
	}
}
