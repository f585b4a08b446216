package emulator

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/soracron/soracron/emulator/push"
	"github.com/soracron/soracron/emulator/target"
)

func TestPushFanOut(t *testing.T) {
	const n = 8
	e, srv := start(t, Options{Seed: 42})
	ids := e.Generate("sora", n)
	others := e.Generate("other", 3)
	slices.Sort(ids)
	recipient := ids[3]
	c := `"channel_id":"sora","connection_id":"` + recipient + `"`
	writes := []struct {
		name, target, body, msg string
	}{
		{"put", target.Put, `{` + c + `,"metadata":{"s":"busy","n":10},"push":true}`,
			`{"data":{"type":"signaling_notify_metadata_ext","action":"PutMetadata","connection_id":"` + recipient + `","metadata":{"n":10,"s":"busy"}},"type":"push"}`},
		{"put item", target.PutItem, `{` + c + `,"key":"seat","value":12345678901234567890,"push":true}`,
			`{"data":{"type":"signaling_notify_metadata_ext","action":"PutMetadataItem","connection_id":"` + recipient + `","key":"seat","value":12345678901234567890},"type":"push"}`},
		{"delete item", target.DeleteItem, `{` + c + `,"key":"s","push":true}`,
			`{"data":{"type":"signaling_notify_metadata_ext","action":"DeleteMetadataItem","connection_id":"` + recipient + `","key":"s"},"type":"push"}`},
		{"delete", target.Delete, `{` + c + `,"push":true}`,
			`{"data":{"type":"signaling_notify_metadata_ext","action":"DeleteMetadata","connection_id":"` + recipient + `","metadata":{"n":10,"seat":12345678901234567890}},"type":"push"}`},
		{"push channel", target.PushChannel, `{"channel_id":"sora","data":{"hello": [1, 2]}}`,
			`{"data":{"hello":[1,2]},"type":"push"}`},
	}
	received := map[string]int{}
	for _, w := range writes {
		t.Run(w.name, func(t *testing.T) {
			before := len(e.Deliveries("sora"))
			if r := call(t, srv.URL, w.target, w.body); r.status != 200 {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			ds := e.Deliveries("sora")
			if len(ds) != before+1 {
				t.Fatalf("%d new deliveries, want 1", len(ds)-before)
			}
			d := ds[len(ds)-1]
			if string(d.Message) != w.msg {
				t.Errorf("message\n got: %s\nwant: %s", d.Message, w.msg)
			}
			if !slices.Equal(d.Recipients, ids) {
				t.Errorf("recipients %v, want every connection %v", d.Recipients, ids)
			}
			for _, r := range d.Recipients {
				received[r]++
			}
		})
	}
	for _, id := range ids {
		if received[id] != len(writes) {
			t.Errorf("connection %s received %d messages, want %d", id, received[id], len(writes))
		}
	}
	t.Run("push false or absent sends nothing", func(t *testing.T) {
		before := len(e.Deliveries(""))
		for _, body := range []string{
			`{` + c + `,"metadata":{"a":1},"push":false}`,
			`{` + c + `,"metadata":{"a":1}}`,
		} {
			call(t, srv.URL, target.Put, body)
		}
		call(t, srv.URL, target.PutItem, `{`+c+`,"key":"k","value":1}`)
		call(t, srv.URL, target.DeleteItem, `{`+c+`,"key":"k","push":false}`)
		call(t, srv.URL, target.Delete, `{`+c+`}`)
		if got := len(e.Deliveries("")); got != before {
			t.Errorf("%d deliveries for writes without push", got-before)
		}
	})
	t.Run("push connection", func(t *testing.T) {
		r := call(t, srv.URL, target.PushConnection, `{"channel_id":"other","connection_id":"`+others[1]+`","data":{"x":true}}`)
		if r.status != 200 {
			t.Fatalf("status %d: %s", r.status, r.body)
		}
		ds := e.Deliveries("other")
		if len(ds) != 1 || !slices.Equal(ds[0].Recipients, []string{others[1]}) || string(ds[0].Message) != `{"data":{"x":true},"type":"push"}` {
			t.Errorf("deliveries of other: %+v", ds)
		}
	})
	t.Run("seq increases", func(t *testing.T) {
		ds := e.Deliveries("")
		for i := range ds {
			if ds[i].Seq != uint64(i+1) {
				t.Errorf("delivery %d has seq %d", i, ds[i].Seq)
			}
		}
	})
}

func TestDeliveryRingIsBounded(t *testing.T) {
	e := New(Options{MaxEvents: 3})
	mustAdd(t, e, Connection{ChannelID: "sora", ConnectionID: connA})
	for range 5 {
		if _, err := e.pushChannel(&reqFields{channelID: []byte(`"sora"`), data: []byte(`{}`)}); err != nil {
			t.Fatal(err.msg)
		}
	}
	ds := e.Deliveries("sora")
	var seqs []uint64
	for _, d := range ds {
		seqs = append(seqs, d.Seq)
	}
	if !slices.Equal(seqs, []uint64{3, 4, 5}) {
		t.Errorf("seqs %v, want the last three", seqs)
	}
	ds[0].Recipients[0] = "changed"
	if e.Deliveries("sora")[0].Recipients[0] != connA {
		t.Error("Deliveries shares its recipients with the ring")
	}
}

func TestSlowSubscriberNeverBlocksWriters(t *testing.T) {
	e := New(Options{})
	mustAdd(t, e, Connection{ChannelID: "sora", ConnectionID: connA})
	slow, cancelSlow := e.Subscribe("sora")
	defer cancelSlow()
	other, cancelOther := e.Subscribe("elsewhere")
	defer cancelOther()
	const extra = 10
	f := reqFields{channelID: []byte(`"sora"`), connectionID: []byte(`"` + connA + `"`), key: []byte(`"k"`), value: []byte(`1`), push: []byte(`true`)}
	for range push.SubscriberBuffer + extra {
		if _, err := e.putItem(&f); err != nil {
			t.Fatal(err.msg)
		}
	}
	if got := e.Dropped(); got != extra {
		t.Errorf("dropped %d, want %d", got, extra)
	}
	if got := len(slow); got != push.SubscriberBuffer {
		t.Errorf("slow subscriber holds %d, want %d", got, push.SubscriberBuffer)
	}
	if got := len(other); got != 0 {
		t.Errorf("subscriber of another channel got %d deliveries", got)
	}
	first := <-slow
	if first.Seq != 1 || first.ChannelID != "sora" {
		t.Errorf("first delivery %+v", first)
	}
	cancelSlow()
	cancelSlow() // idempotent
	if st := e.EventStats(); st.Subscribers != 1 {
		t.Errorf("subscribers after cancel: %d", st.Subscribers)
	}
}

// openStream opens /emulator/events and returns a line reader; the
// subscription is live when it returns.
func openStream(t *testing.T, ctx context.Context, url, accept string) *bufio.Reader {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	if resp.StatusCode != 200 {
		t.Fatalf("events: status %d", resp.StatusCode)
	}
	return bufio.NewReader(resp.Body)
}

func TestEventsStream(t *testing.T) {
	e, srv := start(t, Options{})
	mustAdd(t, e, Connection{ChannelID: "sora", ConnectionID: connA})
	mustAdd(t, e, Connection{ChannelID: "other", ConnectionID: connB})
	write := func(ch, id, v string) {
		r := call(t, srv.URL, target.PutItem, `{"channel_id":"`+ch+`","connection_id":"`+id+`","key":"k","value":"`+v+`","push":true}`)
		if r.status != 200 {
			t.Fatalf("put item: %d %s", r.status, r.body)
		}
	}
	t.Run("ndjson filtered by channel", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		lines := openStream(t, ctx, srv.URL+"emulator/events?channel=sora", "")
		write("other", connB, "ignored")
		write("sora", connA, "one")
		write("other", connB, "ignored")
		write("sora", connA, "two")
		for _, want := range []string{"one", "two"} {
			line, err := lines.ReadString('\n')
			if err != nil {
				t.Fatal(err)
			}
			var d push.Delivery
			if err := json.Unmarshal([]byte(line), &d); err != nil {
				t.Fatalf("line %q: %v", line, err)
			}
			if d.ChannelID != "sora" || !strings.Contains(string(d.Message), `"value":"`+want+`"`) || !slices.Equal(d.Recipients, []string{connA}) {
				t.Errorf("delivery %+v, want value %s to %s", d, want, connA)
			}
		}
	})
	t.Run("sse every channel", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		lines := openStream(t, ctx, srv.URL+"emulator/events", "text/event-stream")
		write("other", connB, "three")
		var got []string
		for range 4 { // id, event, data, blank
			line, err := lines.ReadString('\n')
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, strings.TrimSuffix(line, "\n"))
		}
		if !strings.HasPrefix(got[0], "id: ") || got[1] != "event: delivery" || !strings.HasPrefix(got[2], "data: {") || got[3] != "" {
			t.Fatalf("not an SSE event: %q", got)
		}
		var d push.Delivery
		if err := json.Unmarshal([]byte(strings.TrimPrefix(got[2], "data: ")), &d); err != nil {
			t.Fatal(err)
		}
		if d.ChannelID != "other" || got[0] != "id: "+jsonNumber(d.Seq) {
			t.Errorf("event %q", got)
		}
	})
	t.Run("stream ends when the client goes away", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		openStream(t, ctx, srv.URL+"emulator/events", "")
		if e.EventStats().Subscribers == 0 {
			t.Fatal("no subscriber while streaming")
		}
		cancel()
		waitFor(t, func() bool { return e.EventStats().Subscribers == 0 })
	})
	t.Run("close ends the stream", func(t *testing.T) {
		e2, srv2 := start(t, Options{})
		lines := openStream(t, context.Background(), srv2.URL+"emulator/events", "")
		if err := srv2.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := lines.ReadString('\n'); err == nil {
			t.Error("stream still open after Close")
		}
		if n := e2.EventStats().Subscribers; n != 0 {
			t.Errorf("%d subscribers after Close", n)
		}
	})
}

func jsonNumber(n uint64) string { b, _ := json.Marshal(n); return string(b) }

// waitFor polls cond until it holds, failing after a generous deadline. It
// checks an outcome that happens asynchronously; it does not time anything.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
