package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// parseScriptArgs builds the script's `args` table: --arg KEY=VALUE values
// are strings; --args-json values keep their JSON types (numbers exactly).
// A key given both ways takes the --arg value.
func parseScriptArgs(kvs []string, argsJSON string) (map[string]any, error) {
	args := map[string]any{}
	if strings.TrimSpace(argsJSON) != "" {
		dec := json.NewDecoder(strings.NewReader(argsJSON))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("--args-json: not valid JSON: %w", err)
		}
		obj, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("--args-json: want a JSON object such as '{\"minutes\": 10}', got %s", jsonKind(v))
		}
		if dec.More() {
			return nil, fmt.Errorf("--args-json: unexpected data after the JSON object")
		}
		args = obj
	}
	for _, kv := range kvs {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("--arg %q: want KEY=VALUE", kv)
		}
		args[k] = v
	}
	return args, nil
}

// encodeResult renders a script's return value as indented JSON.
func encodeResult(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// jsonKind names the JSON type of a decoded value.
func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case []any:
		return "an array"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case json.Number, float64:
		return "a number"
	}
	return "an object"
}
