package engine_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/soracron/soracron/engine"
)

func TestEventGlobal(t *testing.T) {
	ev := map[string]any{"type": "connection.created", "channel_id": "sora", "connection_id": "C1",
		"metadata": map[string]any{"seat": json.Number("3"), "tags": []any{"a", "b"}}}
	runEv := func(src string, ev map[string]any) (*engine.Result, error) {
		e := engine.New(engine.Options{})
		return e.Run(context.Background(), engine.Request{Script: writeScript(t, src), Event: ev, Timeout: 5 * time.Second})
	}
	t.Run("readable", func(t *testing.T) {
		res, err := runEv(`
local keys = {}
for k in pairs(event) do keys[#keys + 1] = k end
table.sort(keys)
local md = {}
for k, v in pairs(event.metadata) do md[#md + 1] = k end
return {type = event.type, conn = event.connection_id, seat = event.metadata.seat, tag = event.metadata.tags[2],
  keys = table.concat(keys, ","), md = #md}`, ev)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := json.Marshal(res.Value)
		want := `{"conn":"C1","keys":"channel_id,connection_id,metadata,type","md":2,"seat":3,"tag":"b","type":"connection.created"}`
		if string(got) != want {
			t.Errorf("got %s, want %s", got, want)
		}
	})
	for _, tt := range []struct{ name, src, msg string }{
		{"set a field", `event.type = "x"`, "event is read-only: cannot set event.type"},
		{"add a field", `event.extra = 1`, "event is read-only: cannot set event.extra"},
		{"set a nested field", `event.metadata.seat = 4`, "event.metadata is read-only: cannot set event.metadata.seat"},
		{"change the metatable", `setmetatable(event, nil)`, "protected metatable"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := runEv(tt.src, ev)
			if err == nil || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("err %v, want %q", err, tt.msg)
			}
		})
	}
	t.Run("numbers of any size", func(t *testing.T) {
		big := map[string]any{"type": "x", "metadata": map[string]any{"id": json.Number("9007199254740993"), "ts": json.Number("1e400")}}
		res, err := runEv(`return {id = event.metadata.id, text = tostring(event.metadata.id), ts = event.metadata.ts}`, big)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := json.Marshal(res.Value)
		if want := `{"id":9007199254740993,"text":"9007199254740993","ts":1e400}`; string(got) != want {
			t.Errorf("got %s, want %s", got, want)
		}
	})
	t.Run("absent without an event", func(t *testing.T) {
		res, err := runEv(`return event == nil`, nil)
		if err != nil || res.Value != true {
			t.Errorf("%v %v", res.Value, err)
		}
	})
	t.Run("pairs still works on plain tables", func(t *testing.T) {
		res, err := runEv(`local n = 0 for _ in pairs({a = 1, b = 2}) do n = n + 1 end return n`, nil)
		if err != nil || res.Value != json.Number("2") && res.Value != int64(2) && res.Value != float64(2) {
			t.Errorf("%#v %v", res.Value, err)
		}
	})
}
