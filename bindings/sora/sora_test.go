package sora

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"

	sorastats "github.com/soracron/soracron/bindings/sora/stats"
)

// TestSoraScripts runs the Lua test scripts of testdata against the
// emulator and checks what reached it.
func TestSoraScripts(t *testing.T) {
	tests := []struct {
		name   string
		file   string
		dryRun bool
		setup  func(t *testing.T, env *soraEnv) string // returns args
		check  func(t *testing.T, env *soraEnv, s *Module)
	}{
		{
			name: "functions",
			file: "sora_basic.lua",
			setup: func(t *testing.T, env *soraEnv) string {
				env.add(t, connA, `{"seat":3,"tags":["a"]}`)
				env.add(t, connB, `{}`)
				return argsJSON("a", connA, "b", connB)
			},
			check: func(t *testing.T, env *soraEnv, s *Module) {
				if got := env.metadata(t, "sora", connA); got != `{}` {
					t.Errorf("A = %s, want {}", got)
				}
				if got, want := env.metadata(t, "sora", connB), `{"role":"viewer","seat":7,"x":false}`; got != want {
					t.Errorf("B = %s, want %s", got, want)
				}
				wantPushes := []string{"PutMetadataItem V3Q4 seat", "DeleteMetadata 0FQE"}
				if got := env.pushes(t); !slices.Equal(got, wantPushes) {
					t.Errorf("pushes = %q, want %q", got, wantPushes)
				}
				want := sorastats.Stats{Calls: map[string]int{
					"list": 2, "get": 3, "put": 1, "put_item": 3, "delete_item": 3, "delete": 2,
					"Sora_20201013.ListChannels": 1,
				}, Writes: 9}
				if got := s.Stats(); !reflect.DeepEqual(got, want) {
					t.Errorf("stats = %+v, want %+v", got, want)
				}
			},
		},
		{
			name: "errors",
			file: "sora_errors.lua",
			setup: func(t *testing.T, env *soraEnv) string {
				env.add(t, connA, `{"seat":3}`)
				return argsJSON("missing", connMissing, "a", connA)
			},
			check: func(t *testing.T, env *soraEnv, s *Module) {
				if got := env.metadata(t, "sora", connA); got != `{"seat":3}` {
					t.Errorf("A = %s, want it unchanged", got)
				}
				st := s.Stats()
				// The four writes to the missing connection are gone, not failed;
				// the invalid put is the one write failure.
				if st.Writes != 0 || st.Failures != 5 || st.Gone != 4 || st.WriteFailures != 1 || st.Calls["get"] != 7 {
					t.Errorf("stats = %+v, want 5 failures (1 a write), 4 gone, 7 gets, no write", st)
				}
			},
		},
		{
			name: "update",
			file: "sora_update.lua",
			setup: func(t *testing.T, env *soraEnv) string {
				env.add(t, connA, `{"seat":3,"status":"busy","stale":true,"nested":{"x":1},"n":null}`)
				return argsJSON("a", connA)
			},
			check: func(t *testing.T, env *soraEnv, s *Module) {
				want := `{"extra":{},"n":0,"nested":{"x":2},"role":"presenter","seat":3,"status":"away"}`
				if got := env.metadata(t, "sora", connA); got != want {
					t.Errorf("A = %s, want %s", got, want)
				}
				// Only the changed keys, only with push: true, in key order.
				wantPushes := []string{"DeleteMetadataItem 0FQE stale", "PutMetadataItem 0FQE status", "PutMetadataItem 0FQE nested"}
				if got := env.pushes(t); !slices.Equal(got, wantPushes) {
					t.Errorf("pushes = %q, want %q", got, wantPushes)
				}
				st := s.Stats()
				if st.Writes != 7 || st.Calls["get"] != 7 || st.Calls["put_item"] != 6 || st.Calls["delete_item"] != 1 {
					t.Errorf("stats = %+v", st)
				}
			},
		},
		{
			name: "big numbers",
			file: "sora_bignumbers.lua",
			setup: func(t *testing.T, env *soraEnv) string {
				for id, md := range map[string]map[string]any{
					connA: {"big": json.Number("9007199254740993"), "ts": json.Number("1733300000123456789"), "seat": json.Number("1")},
					connB: {},
				} {
					if _, err := env.emu.AddConnection(connWith("sora", id, md)); err != nil {
						t.Fatal(err)
					}
				}
				return argsJSON("a", connA, "b", connB)
			},
			check: func(t *testing.T, env *soraEnv, s *Module) {
				if got, want := env.metadata(t, "sora", connA), `{"big":9007199254740993,"seat":3,"ts":1733300000123456789}`; got != want {
					t.Errorf("A = %s, want %s", got, want)
				}
				if got, want := env.metadata(t, "sora", connB), `{"big":9007199254740993,"seat":3,"ts":1733300000123456789}`; got != want {
					t.Errorf("B = %s, want %s (the copy)", got, want)
				}
			},
		},
		{
			name: "update_all",
			file: "sora_update_all.lua",
			setup: func(t *testing.T, env *soraEnv) string {
				env.add(t, connA, `{"seat":1}`)
				env.add(t, connB, `{"seat":2}`)
				env.add(t, connC, `{"seat":3}`)
				env.emu.Generate("other", 3)
				return argsJSON("a", connA, "b", connB, "c", connC)
			},
			check: func(t *testing.T, env *soraEnv, s *Module) {
				for id, want := range map[string]string{
					connA: `{"gone":false,"role":"x","seat":111}`,
					connC: `{"gone":false,"seat":103,"tag":"7ZZZZZZZZZZZZZZZZZZZZZZZZZ"}`,
				} {
					if got := env.metadata(t, "sora", id); got != want {
						t.Errorf("%s = %s, want %s", id, got, want)
					}
				}
				if _, ok := env.emu.Metadata("sora", connB); ok {
					t.Error("B still connected")
				}
				wantPushes := []string{"PutMetadataItem 0FQE role", "PutMetadataItem 0FQE seat"}
				if got := env.pushes(t); !slices.Equal(got, wantPushes) {
					t.Errorf("pushes = %q, want %q", got, wantPushes)
				}
			},
		},
		{
			name: "batch",
			file: "sora_batch.lua",
			setup: func(t *testing.T, env *soraEnv) string {
				env.add(t, connA, `{}`)
				env.add(t, connB, `{"x":1}`)
				env.add(t, connC, `{}`)
				ids := make([]string, 50)
				for i := range ids {
					ids[i] = fmt.Sprintf("M%025d", i)
					if _, err := env.emu.AddConnection(connWith("many", ids[i], map[string]any{"i": i + 1})); err != nil {
						t.Fatal(err)
					}
				}
				return argsJSON("a", connA, "b", connB, "c", connC, "missing", connMissing, "ids", ids)
			},
			check: func(t *testing.T, env *soraEnv, s *Module) {
				for id, want := range map[string]string{connA: `{"k":1}`, connB: `{}`, connC: `{"z":true}`} {
					if got := env.metadata(t, "sora", id); got != want {
						t.Errorf("%s = %s, want %s", id, got, want)
					}
				}
				if got, want := env.pushes(t), []string{"PutMetadataItem 0FQE k"}; !slices.Equal(got, want) {
					t.Errorf("pushes = %q, want %q", got, want)
				}
				st := s.Stats()
				if st.Calls["get"] != 52 || st.Failures != 1 || st.Gone != 1 || st.Writes != 3 {
					t.Errorf("stats = %+v", st)
				}
			},
		},
		{
			name:   "dry run",
			file:   "sora_dry_run.lua",
			dryRun: true,
			setup: func(t *testing.T, env *soraEnv) string {
				env.add(t, connA, `{"seat":3,"stale":true}`)
				env.add(t, connB, `{"role":"viewer"}`)
				env.add(t, connC, `{}`)
				return argsJSON("a", connA, "b", connB, "c", connC, "missing", connMissing)
			},
			check: func(t *testing.T, env *soraEnv, s *Module) {
				for id, want := range map[string]string{connA: `{"seat":3,"stale":true}`, connB: `{"role":"viewer"}`, connC: `{}`} {
					if got := env.metadata(t, "sora", id); got != want {
						t.Errorf("%s = %s, want it unchanged (%s)", id, got, want)
					}
				}
				if got := env.emu.Deliveries(""); len(got) != 0 {
					t.Errorf("deliveries = %v, want none", got)
				}
				plan, err := json.Marshal(s.Plan())
				if err != nil {
					t.Fatal(err)
				}
				wantPlan := `{"changes":[` +
					`{"channel_id":"sora","connection_id":"0FQE5EA5YN3FS13P01QZ1JG8R0","added":{"status":"away"},"changed":{"seat":[3,4]},"removed":{"stale":true},"push":true},` +
					`{"channel_id":"sora","connection_id":"7ZZZZZZZZZZZZZZZZZZZZZZZZZ","added":{"k2":null},"push":true},` +
					`{"channel_id":"sora","connection_id":"V3Q452QQBD5TQ6ZQDMTEDKA07C","added":{"b":[1,2]},"removed":{"role":"viewer"},"push":false}]}`
				if string(plan) != wantPlan {
					t.Errorf("plan =\n%s\nwant\n%s", plan, wantPlan)
				}
				wantText := "sora/0FQE5EA5YN3FS13P01QZ1JG8R0  + status = \"away\"  ~ seat: 3 -> 4  - stale  (push)\n" +
					"sora/7ZZZZZZZZZZZZZZZZZZZZZZZZZ  + k2 = null  (push)\n" +
					"sora/V3Q452QQBD5TQ6ZQDMTEDKA07C  + b = [1,2]  - role\n"
				if got := s.Plan().Text(); got != wantText {
					t.Errorf("plan text =\n%s\nwant\n%s", got, wantText)
				}
				want := sorastats.Stats{Calls: map[string]int{
					"put_item": 8, "delete_item": 3, "get": 5, "delete": 1, "put": 1, "list": 3,
					"Sora_20201013.ListChannels": 1, "Sora_20160711.PushChannel": 2,
				}, Failures: 2, Gone: 2, Writes: 11, DryRun: true,
					Connections: sorastats.ConnCounts{Connections: 3, Unchanged: 2, Written: 1}}
				got := s.Stats()
				// The failures are described, with what they addressed (the
				// writes to the missing connection are gone, not failures).
				wantFailed := []sorastats.Failure{
					{Action: "Sora_20160711.PushChannel", Type: "dry_run"},
					{Action: "Sora_20160711.PushChannel", Type: "dry_run"},
				}
				for i := range got.Failed {
					if got.Failed[i].Error == "" {
						t.Errorf("failure %d has no error message", i)
					}
					got.Failed[i].Error = ""
				}
				if !reflect.DeepEqual(got.Failed, wantFailed) {
					t.Errorf("failed = %+v, want %+v", got.Failed, wantFailed)
				}
				got.Failed = nil
				if !reflect.DeepEqual(got, want) {
					t.Errorf("stats = %+v, want %+v", got, want)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := startEmulator(t)
			args := tt.setup(t, env)
			s := New(env.client, Options{DryRun: tt.dryRun, Logger: quietLogger})
			L := newSoraState(t, context.Background(), s, args)
			L.SetGlobal("remove", L.NewFunction(func(L *lua.LState) int {
				env.emu.RemoveConnection("sora", L.CheckString(1))
				return 0
			}))
			if err := L.DoFile(filepath.Join("testdata", tt.file)); err != nil {
				t.Fatalf("%s: %v", tt.file, err)
			}
			tt.check(t, env, s)
			if (s.Plan() != nil) != tt.dryRun {
				t.Errorf("Plan() = %v, want non-nil only in a dry run", s.Plan())
			}
		})
	}
}

// TestUpdateAllMany updates hundreds of connections concurrently and reads
// every one back, with a progress bar.
func TestUpdateAllMany(t *testing.T) {
	tests := []struct {
		name        string
		n           int
		concurrency int
		progress    bool
	}{
		{name: "sequential", n: 20, concurrency: 1},
		{name: "concurrent with progress", n: 500, concurrency: 16, progress: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := startEmulator(t)
			ids := env.emu.Generate("big", tt.n)
			var bar strings.Builder
			opts := Options{Concurrency: tt.concurrency, Logger: quietLogger}
			if tt.progress {
				opts.Progress = &bar
			}
			s := New(env.client, opts)
			L := newSoraState(t, context.Background(), s, "")
			out, err := runSora(L, `
local sora = require("sora")
local sum = sora.update_all("big", function(md, c)
  md.id = c.connection_id
  md.status = "ok"
  return md
end)
return sum.connections, sum.changed, sum.writes, sum.failed, #sum.written, #sum.not_written`)
			if err != nil {
				t.Fatal(err)
			}
			got := fmt.Sprint(slices.Collect(func(yield func(string) bool) {
				for _, v := range out {
					yield(v.String())
				}
			}))
			if want := fmt.Sprint([]int{tt.n, tt.n, 2 * tt.n, 0, tt.n, 0}); got != want {
				t.Errorf("summary = %s, want %s", got, want)
			}
			for _, id := range ids {
				if got, want := env.metadata(t, "big", id), fmt.Sprintf(`{"id":%q,"status":"ok"}`, id); got != want {
					t.Fatalf("%s = %s, want %s", id, got, want)
				}
			}
			if tt.progress != strings.Contains(bar.String(), "sora.update_all") {
				t.Errorf("progress output = %q", bar.String())
			}
		})
	}
}

// TestCallTargets checks which targets sora.call sends in a dry run.
func TestCallTargets(t *testing.T) {
	tests := []struct {
		target string
		dry    bool
		sent   bool
	}{
		{"ListChannels", false, true},
		{"ListChannels", true, true},
		{"Sora_20201013.ListChannelConnections", true, true},
		{"PushChannel", false, true},
		{"PushChannel", true, false},
		{"DisconnectConnection", true, false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s dry=%v", tt.target, tt.dry), func(t *testing.T) {
			var hits []string
			env := startSlowEmulator(t, func(r *http.Request) { hits = append(hits, r.Header.Get("x-sora-target")) })
			env.add(t, connA, `{}`)
			s := New(env.client, Options{DryRun: tt.dry, Logger: quietLogger})
			L := newSoraState(t, context.Background(), s, "")
			out, err := runSora(L, fmt.Sprintf(`
local v, err = require("sora").call(%q, {channel_id = "sora", connection_id = %q, data = {a = 1}})
return v ~= nil, err and err.type or ""`, tt.target, connA))
			if err != nil {
				t.Fatal(err)
			}
			sent := len(hits) == 1
			if sent != tt.sent {
				t.Errorf("sent = %v (%q), want %v", sent, hits, tt.sent)
			}
			wantType := ""
			if !tt.sent {
				wantType = "dry_run"
			}
			if out[0] != lua.LBool(tt.sent) || out[1].String() != wantType {
				t.Errorf("call returned %v, %v", out[0], out[1])
			}
			if got := slices.Collect(maps.Keys(s.Stats().Calls)); len(got) != 1 {
				t.Errorf("calls = %v", got)
			}
		})
	}
}
