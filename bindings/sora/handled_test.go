package sora

import (
	"context"
	"testing"

	"github.com/soracron/soracron/emulator"
	"github.com/soracron/soracron/sora"
)

// TestHandled: every failed write counts until the script marks it handled,
// through any value that carries it, once; reads and gone writes never
// count.
func TestHandled(t *testing.T) {
	tests := []struct {
		name            string
		code            string
		failures, after int // write failures, and unhandled at the end
	}{
		{"an error", `local _, err = sora.put_item("sora", A, "k", 1)
assert(sora.handled(err) == 1 and sora.handled(err) == 0)`, 1, 0},
		{"not handled", `sora.put_item("sora", A, "k", 1)`, 1, 1},
		{"update's error", `local _, err = sora.update("sora", A, function(md) md.k = 1 end)
assert(err.key == "k" and sora.handled(err) == 1)`, 1, 0},
		{"an update_all summary, then its errors", `local s = sora.update_all("sora", function(md) md.k = 2 end)
assert(s.failed == 2 and sora.handled(s) == 2)
assert(sora.handled(s.errors[1].err) == 0)`, 2, 0},
		{"one error of an update_all summary", `local s = sora.update_all("sora", function(md) md.k = 2 end)
assert(sora.handled(s.errors[1].err) == 1)`, 2, 1},
		{"batch results", `local r, s = sora.batch({{action = "put_item", channel_id = "sora", connection_id = A, key = "k", value = 1},
  {action = "get", channel_id = "sora", connection_id = A}})
assert(s.failed == 1 and sora.handled(r) == 1 and sora.handled(s) == 0)`, 1, 0},
		{"a read's error, a gone write and nil", `local _, e1 = sora.get("sora", "0000000000000000000000NOPE")
local _, e2 = sora.put("sora", "0000000000000000000000NOPE", {})
assert(sora.handled(e1) == 0 and sora.handled(e2) == 0 and sora.handled(nil) == 0)`, 0, 0},
		{"misuse", `local ok, msg = pcall(sora.handled, {})
assert(not ok and msg:find("an error or summary returned by a sora function expected", 1, true), msg)
ok = pcall(sora.handled, "x")
assert(not ok)`, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := startEmulator(t)
			env.add(t, connA, `{}`)
			env.add(t, connB, `{}`)
			if err := env.emu.SetFaults(emulator.Faults{Rules: []emulator.FaultRule{{
				Targets: []string{"PutSignalingNotifyMetadataItem"}, FailRate: 1, FailStatus: 500}}}); err != nil {
				t.Fatal(err)
			}
			s := New(newSoraClient(t, env.url, sora.Config{Attempts: 1}), Options{Logger: quietLogger})
			L := newSoraState(t, context.Background(), s, argsJSON("a", connA))
			if _, err := runSora(L, "local sora = require('sora')\nlocal A = args.a\n"+tt.code); err != nil {
				t.Fatal(err)
			}
			st := s.Stats()
			if st.WriteFailures != tt.failures || st.Unhandled() != tt.after {
				t.Errorf("write failures %d, unhandled %d; want %d, %d", st.WriteFailures, st.Unhandled(), tt.failures, tt.after)
			}
		})
	}
}
