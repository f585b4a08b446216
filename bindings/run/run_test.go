package run_test

import (
	"strings"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"

	luarun "github.com/soracron/soracron/bindings/run"
)

// TestModule: each field reads the Info (nil when unset), the table is
// read-only, a typo raises, and pairs lists the set fields.
func TestModule(t *testing.T) {
	tick := time.Date(2026, 12, 7, 10, 0, 5, 0, time.UTC)
	full := luarun.Info{Job: "sweep", Trigger: "schedule", Scheduled: tick, Node: "a", ID: func() int64 { return 42 }}
	tests := []struct {
		name    string
		info    luarun.Info
		src     string
		want    string
		wantErr string
	}{
		{"job", full, `return run.job`, "sweep", ""},
		{"trigger", full, `return run.trigger`, "schedule", ""},
		{"scheduled is the tick in epoch seconds", full, `return tostring(run.scheduled)`, "1796637605", ""},
		{"scheduled keeps fractions", luarun.Info{Scheduled: tick.Add(250 * time.Millisecond)}, `return string.format("%.2f", run.scheduled)`, "1796637605.25", ""},
		{"id", full, `return tostring(run.id)`, "42", ""},
		{"id not yet known", luarun.Info{ID: func() int64 { return 0 }}, `return tostring(run.id)`, "nil", ""},
		{"node", full, `return run.node`, "a", ""},
		{"zero info: all nil", luarun.Info{}, `return tostring(run.job)..tostring(run.trigger)..tostring(run.scheduled)..tostring(run.id)..tostring(run.node)`, "nilnilnilnilnil", ""},
		{"manual run: no tick", luarun.Info{Job: "sweep", Trigger: "manual"}, `return run.trigger..tostring(run.scheduled)`, "manualnil", ""},
		{"read-only", full, `run.job = "x"`, "", "run is read-only: cannot set run.job"},
		{"read-only nil field", luarun.Info{}, `run.scheduled = 1`, "", "run is read-only: cannot set run.scheduled"},
		{"typo", full, `return run.schedule`, "", "run has no field 'schedule'"},
		{"metatable hidden", full, `return getmetatable(run)`, "read-only", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			L := lua.NewState()
			defer L.Close()
			L.PreloadModule("run", luarun.New(tt.info).Loader)
			err := L.DoString(`run = require("run")` + "\n" + tt.src)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := L.Get(-1).String(); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestFields: Fields names every field the module reads.
func TestFields(t *testing.T) {
	got := strings.Join(luarun.Fields(), ",")
	if got != "id,job,node,scheduled,trigger" {
		t.Fatalf("got %s", got)
	}
}
