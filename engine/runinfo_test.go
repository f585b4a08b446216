package engine_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	luarun "github.com/soracron/soracron/bindings/run"
	"github.com/soracron/soracron/engine"
)

// TestRunModule: Request.Run reaches require("run"), in this process and
// in an isolated child (where the history id does not cross), and pairs
// lists the fields that are set.
func TestRunModule(t *testing.T) {
	tick := time.Unix(1796637605, 0)
	info := luarun.Info{Job: "sweep", Trigger: "schedule", Scheduled: tick, Node: "a", ID: func() int64 { return 7 }}
	src := `local run = require("run")
local ks = {}
for k in pairs(run) do ks[#ks+1] = k end
table.sort(ks)
return {job = run.job, trigger = run.trigger, scheduled = run.scheduled, id = run.id, node = run.node, keys = table.concat(ks, ",")}`
	tests := []struct {
		name   string
		engine *engine.Engine
		iso    engine.Isolation
		info   luarun.Info
		want   map[string]any
	}{
		{"in process", engine.New(engine.Options{}), engine.IsolationNone, info,
			map[string]any{"job": "sweep", "trigger": "schedule", "scheduled": "1796637605", "id": "7", "node": "a", "keys": "id,job,node,scheduled,trigger"}},
		{"isolated child", isolatedEngine(t, "serve", nil), engine.IsolationProcess, info,
			map[string]any{"job": "sweep", "trigger": "schedule", "scheduled": "1796637605", "node": "a", "keys": "job,node,scheduled,trigger"}},
		{"zero: all nil", engine.New(engine.Options{}), engine.IsolationNone, luarun.Info{},
			map[string]any{"keys": ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := tt.engine.Run(context.Background(), engine.Request{Script: writeScript(t, src), Run: tt.info,
				Isolation: tt.iso, Timeout: 30 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			got, ok := res.Value.(map[string]any)
			if !ok || len(got) != len(tt.want) {
				t.Fatalf("got %#v, want %v", res.Value, tt.want)
			}
			for k, w := range tt.want {
				if g := got[k]; fmt.Sprint(g) != fmt.Sprint(w) {
					t.Errorf("%s: got %#v (%T), want %#v", k, g, g, w)
				}
			}
		})
	}
}
