package scheduler

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/soracron/soracron/emulator"
	"github.com/soracron/soracron/scheduler/history"
)

const eventJobs = `
sora: {url: "{{url}}"}
event_webhook: {queue: 3}
jobs:
  - name: welcome
    on: [connection.created]
    script: scripts/on_event.lua
    concurrency_policy: allow
  - name: rooms
    on: [{type: connection.destroyed, channel_id: "room-*", role: sendrecv}]
    script: scripts/on_event.lua
    concurrency_policy: allow
`

// event is an event of connection conn in channel ch.
func event(typ, ch, conn, id string) Event {
	return Event{Type: typ, ChannelID: ch, ConnectionID: conn, ID: id, Role: "sendrecv",
		Fields: map[string]any{"type": typ, "channel_id": ch, "connection_id": conn, "id": id, "role": "sendrecv"}}
}

func TestEventRuns(t *testing.T) {
	h := newHarness(t, eventJobs, harnessOptions{})
	add := func(ch string) string {
		c, err := h.emu.AddConnection(emulator.Connection{ChannelID: ch})
		if err != nil {
			t.Fatal(err)
		}
		return c.ConnectionID
	}
	a, room := add("sora"), add("room-1")
	t.Run("matching jobs run with the event", func(t *testing.T) {
		for _, ev := range []Event{
			event("connection.created", "sora", a, "E1"),
			event("connection.destroyed", "room-1", room, "E2"),
			event("connection.destroyed", "lobby", room, "E3"), // no job: channel does not match
		} {
			if err := h.s.Event(ev); err != nil {
				t.Fatal(err)
			}
		}
		runs := h.waitRuns("welcome", 1, "ok", outcomeIs(history.OutcomeOK))
		if runs[0].Trigger != history.TriggerEvent || string(runs[0].Result) != `{"connection_id":"`+a+`","type":"connection.created"}` {
			t.Errorf("run %+v", runs[0])
		}
		h.waitRuns("rooms", 1, "ok", outcomeIs(history.OutcomeOK))
		if md, _ := h.emu.Metadata("sora", a); md["order"] != "E1;" {
			t.Errorf("metadata of %s: %v", a, md)
		}
		waitFor(t, 15*time.Second, func() bool { return h.s.EventQueued() == 0 }, "queue empty")
		if n := len(h.runs("rooms")); n != 1 {
			t.Errorf("%d runs of rooms, want 1 (lobby does not match room-*)", n)
		}
	})
	t.Run("duplicates run once", func(t *testing.T) {
		if err := h.s.Event(event("connection.created", "sora", a, "E1")); !errors.Is(err, ErrDuplicateEvent) {
			t.Errorf("err %v, want ErrDuplicateEvent", err)
		}
		if got := counterValue(t, h.metrics, "soracron_events_total", "result", "duplicate"); got != 1 {
			t.Errorf("duplicates counted %v", got)
		}
	})
	t.Run("runs of one connection keep arrival order", func(t *testing.T) {
		b := add("sora")
		var want strings.Builder
		for i := range 3 {
			id := fmt.Sprintf("O%d", i)
			want.WriteString(id + ";")
			if err := h.s.Event(event("connection.created", "sora", b, id)); err != nil {
				t.Fatal(err)
			}
		}
		waitFor(t, 10*time.Second, func() bool { return h.s.EventQueued() == 0 }, "queue empty")
		if md, _ := h.emu.Metadata("sora", b); md["order"] != want.String() {
			t.Errorf("order %v, want %s", md["order"], want.String())
		}
	})
	t.Run("a full queue refuses and counts", func(t *testing.T) {
		h.s.mu.Lock()
		h.s.cfg.Jobs[0].Args = map[string]any{"sleep": 30} // the runs wait on the fake clock
		h.s.mu.Unlock()
		var refused int
		for i := range 5 {
			err := h.s.Event(event("connection.created", "sora", add("sora"), fmt.Sprintf("F%d", i)))
			switch {
			case errors.Is(err, ErrEventQueueFull):
				refused++
			case err != nil:
				t.Fatal(err)
			}
		}
		if refused != 2 || h.s.EventQueued() != 3 {
			t.Errorf("%d refused, %d queued; want 2 and 3 (queue: 3)", refused, h.s.EventQueued())
		}
		if got := counterValue(t, h.metrics, "soracron_events_total", "result", "rejected"); got != 2 {
			t.Errorf("rejected counted %v", got)
		}
		if got := counterValue(t, h.metrics, "soracron_event_queue_depth", "", ""); got != 3 {
			t.Errorf("queue depth metric %v", got)
		}
	})
}
