package sora

import "testing"

// TestBatchResultWritten: a batch's successful result is a lazy table
// (filled in when first used); written to Sora untouched, as a value or as
// a whole metadata, through each write path, it is written filled, never
// as an empty object.
func TestBatchResultWritten(t *testing.T) {
	tests := []struct {
		name string
		code string // results: of put_item k = 1 to A and to B ({"x":1} before); writes to A
		want string // A's metadata after
	}{
		{"put_item value", `sora.put_item("sora", args.a, "r", results[2])`,
			`{"k":1,"r":{"ok":true,"value":{"k":1,"x":1}}}`},
		{"put whole metadata", `sora.put("sora", args.a, results[2])`,
			`{"ok":true,"value":{"k":1,"x":1}}`},
		{"put nested", `sora.put("sora", args.a, {list = {results[1], results[2]}})`,
			`{"list":[{"ok":true,"value":{"k":1}},{"ok":true,"value":{"k":1,"x":1}}]}`},
		{"update", `sora.update("sora", args.a, function(md) md.r = results[2] return md end)`,
			`{"k":1,"r":{"ok":true,"value":{"k":1,"x":1}}}`},
		{"update returns a result", `sora.update("sora", args.a, function(md) return results[2] end)`,
			`{"ok":true,"value":{"k":1,"x":1}}`},
		{"update_all", `sora.update_all("sora", function(md, c) if c.connection_id == args.a then md.r = results[2] end return md end)`,
			`{"k":1,"r":{"ok":true,"value":{"k":1,"x":1}}}`},
		{"update_all returns a result", `sora.update_all("sora", function(md, c) if c.connection_id == args.a then return results[2] end return md end)`,
			`{"ok":true,"value":{"k":1,"x":1}}`},
		{"batch request value", `sora.batch({{action = "put_item", channel_id = "sora", connection_id = args.a, key = "r", value = results[2]}})`,
			`{"k":1,"r":{"ok":true,"value":{"k":1,"x":1}}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, L := startTwoConns(t, argsJSON("a", connA, "b", connB))
			_, err := runSora(L, `
local sora = require("sora")
local results = sora.batch({
  {action = "put_item", channel_id = "sora", connection_id = args.a, key = "k", value = 1},
  {action = "put_item", channel_id = "sora", connection_id = args.b, key = "k", value = 1},
})
`+tt.code)
			if err != nil {
				t.Fatal(err)
			}
			if got := env.metadata(t, "sora", connA); got != tt.want {
				t.Errorf("metadata of A %s, want %s", got, tt.want)
			}
		})
	}
}
