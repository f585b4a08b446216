package luatypes

import (
	"slices"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"

	luajson "github.com/soracron/soracron/bindings/json"
	sorabind "github.com/soracron/soracron/bindings/sora"
	"github.com/soracron/soracron/emulator"
	"github.com/soracron/soracron/sora"
)

// classSpec returns the fields of class name in types.go, each with
// whether it is optional ("name?").
func classSpec(t *testing.T, mod, name string) map[string]bool {
	t.Helper()
	for _, c := range classes[mod] {
		if c.name == name {
			out := map[string]bool{}
			for _, f := range c.fields {
				n, _, _ := strings.Cut(f, ":")
				out[strings.TrimSuffix(n, "?")] = strings.HasSuffix(n, "?")
			}
			return out
		}
	}
	t.Fatalf("no class %s", name)
	return nil
}

// TestSoraClassesMatchTheModule runs the sora module against the emulator
// and holds each table it returns to its class in types.go (what an
// editor completes and checks): every field the table has is in the
// class, and every field the class does not mark optional is in the
// table.
func TestSoraClassesMatchTheModule(t *testing.T) {
	e := emulator.New(emulator.Options{Seed: 1})
	ids := e.Generate("sora", 2)
	srv, err := emulator.Start(e, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	client, err := sora.New(sora.Config{URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(client.CloseIdleConnections)

	L := lua.NewState()
	t.Cleanup(L.Close)
	L.PreloadModule("sora", sorabind.New(client, sorabind.Options{}).Loader)
	L.PreloadModule("json", luajson.Loader)
	L.SetGlobal("a", lua.LString(ids[0]))
	if err := L.DoString(`
local sora = require("sora")
local conns = assert(sora.list("sora"))
local results, bsum = sora.batch({
  {action = "put_item", channel_id = "sora", connection_id = a, key = "k", value = 1},
  {action = "get", channel_id = "sora", connection_id = "0000000000000000000000NOPE"},
})
local usum = assert(sora.update_all("sora", function(md) md.seen = true return md end))
local _, err = sora.get("sora", "0000000000000000000000NOPE")
got = {
  ["sora.Connection"] = conns[1],
  ["sora.BatchResult"] = results[1],
  ["sora.BatchResult "] = results[2],
  ["sora.BatchSummary"] = bsum,
  ["sora.UpdateAllSummary"] = usum,
  ["sora.Error"] = err,
}`); err != nil {
		t.Fatal(err)
	}
	got := L.GetGlobal("got").(*lua.LTable)
	seen := 0
	got.ForEach(func(k, v lua.LValue) {
		seen++
		name := strings.TrimSpace(k.String()) // "sora.BatchResult " is the failed result
		tbl, ok := v.(*lua.LTable)
		if !ok {
			t.Errorf("%s: the module returned %s, not a table", k, v.Type())
			return
		}
		luajson.Fill(tbl) // a lazy connection or result shows its fields
		var fields []string
		tbl.ForEach(func(f, _ lua.LValue) { fields = append(fields, f.String()) })
		spec := classSpec(t, "sora", name)
		for _, f := range fields {
			if _, ok := spec[f]; !ok {
				t.Errorf("%s: the module's table has %q, which types.go does not list", k, f)
			}
		}
		for f, optional := range spec {
			if !optional && !slices.Contains(fields, f) {
				t.Errorf("%s: types.go lists %q as always there, the module's table lacks it (has %q)", k, f, fields)
			}
		}
	})
	if seen != 6 {
		t.Fatalf("checked %d tables, want 6", seen)
	}
}
