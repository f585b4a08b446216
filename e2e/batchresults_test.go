package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/soracron/soracron/emulator"
)

// TestBatchResultsInARun uses the results of sora.batch, which are filled
// in when first used, in a real `soracron run`: pairs, json.encode, log
// fields, `soracron run`'s printing of the return value and sora.handled
// all see them whole.
func TestBatchResultsInARun(t *testing.T) {
	e := emulator.New(emulator.Options{Seed: 1})
	ids := e.Generate("ch", 3)
	srv, err := emulator.Start(e, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	script := filepath.Join(t.TempDir(), "batch.lua")
	src := `local sora, json, log = require("sora"), require("json"), require("log")
local reqs = {}
for i, id in ipairs(args.ids) do
  reqs[i] = {action = "put_item", channel_id = "ch", connection_id = id, key = "k", value = i}
end
local results, sum = sora.batch(reqs)
local keys = {}
for k in pairs(results[1]) do keys[#keys + 1] = k end
table.sort(keys)
print("pairs: " .. table.concat(keys, ","))
print("encode: " .. json.encode(results[2]))
log.info("third", results[3])
print("handled: " .. sora.handled(results))
return {sum = sum, results = results}
`
	if err := os.WriteFile(script, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	args := `{"ids":["` + strings.Join(ids, `","`) + `"]}`
	code, stdout, stderr := execute(t, nil, "run", "--sora-url", srv.URL, "--args-json", args, script)
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	for _, want := range []string{
		`msg="pairs: ok,value"`,
		`msg="encode: {\"ok\":true,\"value\":{\"k\":2}}"`,
		`msg=third run_id=`, `ok=true value=map[k:3]`,
		`msg="handled: 0"`,
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	compact := strings.Join(strings.Fields(stdout), "")
	for _, want := range []string{
		`"results":[{"ok":true,"value":{"k":1}},{"ok":true,"value":{"k":2}},{"ok":true,"value":{"k":3}}]`,
		`"sum":{"failed":0,"gone":0,"ok":3,"requests":3}`,
	} {
		if !strings.Contains(compact, want) {
			t.Errorf("printed result lacks %q:\n%s", want, stdout)
		}
	}
}
