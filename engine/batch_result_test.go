package engine_test

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/soracron/soracron/engine"
)

// TestReturnBatchResult: a batch's successful result is a lazy table
// (filled in when first used); returned from the script untouched, alone or
// inside other tables, the run's value holds it filled.
func TestReturnBatchResult(t *testing.T) {
	result := map[string]any{"ok": true, "value": map[string]any{"role": "viewer", "k": json.Number("1")}}
	tests := []struct {
		name, ret string
		want      any
	}{
		{"the result", "return results[1]", result},
		{"the results", "return results", []any{result}},
		{"inside a table", "return {first = results[1]}", map[string]any{"first": result}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, client := startEmulator(t)
			e := engine.New(engine.Options{Client: client})
			script := writeScript(t, `local results = require("sora").batch({
  {action = "put_item", channel_id = "sora", connection_id = args.conn, key = "k", value = 1},
})
`+tt.ret)
			res, err := e.Run(context.Background(), engine.Request{Script: script, Args: map[string]any{"conn": connA}})
			if err != nil {
				t.Fatal(err)
			}
			if !res.HasValue || !reflect.DeepEqual(res.Value, tt.want) {
				t.Errorf("value %#v, want %#v", res.Value, tt.want)
			}
		})
	}
}
