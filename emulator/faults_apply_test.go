package emulator

import (
	"net/http"
	"strings"
	"testing"

	"github.com/soracron/soracron/emulator/target"
)

// TestDropAfterApply: the request is applied (state changed, push
// delivered), then the reply is lost; a request that fails is answered.
func TestDropAfterApply(t *testing.T) {
	e, srv := start(t, Options{Faults: Faults{Rules: []FaultRule{{DropAfterApplyRate: 1}}}})
	mustAdd(t, e, Connection{ChannelID: "sora", ConnectionID: connA})
	mustAdd(t, e, Connection{ChannelID: "sora", ConnectionID: connB})
	post := func(target, body string) (int, error) {
		req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(body))
		req.Header.Set("x-sora-target", target)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, err
		}
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	t.Run("put item applied, reply lost", func(t *testing.T) {
		if _, err := post(target.PutItem, `{"channel_id":"sora","connection_id":"`+connA+`","key":"k","value":1,"push":true}`); err == nil {
			t.Fatal("got a reply")
		}
		if md, _ := e.Metadata("sora", connA); md["k"] == nil {
			t.Errorf("not applied: %v", md)
		}
		if n := len(e.Deliveries("sora")); n != 1 {
			t.Errorf("%d deliveries, want 1", n)
		}
	})
	t.Run("push channel delivered, reply lost", func(t *testing.T) {
		if _, err := post(target.PushChannel, `{"channel_id":"sora","data":{"x":1}}`); err == nil {
			t.Fatal("got a reply")
		}
		if n := len(e.Deliveries("sora")); n != 2 {
			t.Errorf("%d deliveries, want 2", n)
		}
	})
	t.Run("disconnect applied, reply lost, then not found is answered", func(t *testing.T) {
		body := `{"channel_id":"sora","connection_id":"` + connB + `"}`
		if _, err := post(target.DisconnectConnection, body); err == nil {
			t.Fatal("got a reply")
		}
		if _, ok := e.Metadata("sora", connB); ok {
			t.Error("connection still there")
		}
		status, err := post(target.DisconnectConnection, body)
		if err != nil || status != 400 {
			t.Errorf("retry: status %d, %v; want 400 connection_not_found answered", status, err)
		}
	})
	if got := e.FaultStats().DroppedAfterApply; got != 3 {
		t.Errorf("DroppedAfterApply %d, want 3", got)
	}
}

// TestFaultsShorthand: PUT /emulator/faults takes one rule's fields at the
// top level as a rule for every target.
func TestFaultsShorthand(t *testing.T) {
	e, srv := start(t, Options{})
	mustAdd(t, e, Connection{ChannelID: "sora", ConnectionID: connA})
	r := do(t, http.MethodPut, srv.URL+"emulator/faults", "", `{"fail_rate": 1}`)
	if r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	jsonEqual(t, r.body, `{"seed":0,"rules":[{"fail_rate":1,"fail_status":503}],"injected":{"failed":0,"dropped":0,"dropped_after_apply":0,"delayed":0,"hung":0}}`)
	if got := call(t, srv.URL, target.List, `{"channel_id":"sora"}`); got.status != 503 {
		t.Errorf("list: status %d, want the injected 503", got.status)
	}
	r = do(t, http.MethodPut, srv.URL+"emulator/faults", "", `{"seed": 3, "targets": ["PushChannel"], "drop_after_apply_rate": 1}`)
	if r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	if f := e.Faults(); f.Seed != 3 || len(f.Rules) != 1 || f.Rules[0].Targets[0] != target.PushChannel || f.Rules[0].DropAfterApplyRate != 1 {
		t.Errorf("faults %+v", f)
	}
}
