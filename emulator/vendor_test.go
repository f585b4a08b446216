package emulator

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/soracron/soracron/emulator/target"
)

// vendorFixture reproduces the setup behind the reference's recorded
// exchanges: the Put / DeleteItem connection, and the connection whose
// metadata {"abc": 10} the recorded List shows.
const vendorFixture = `
channels:
  sora:
    - connection_id: 0FQE5EA5YN3FS13P01QZ1JG8R0
    - connection_id: V3Q452QQBD5TQ6ZQDMTEDKA07C
      metadata:
        abc: 10
`

// TestVendorExchanges replays the reference's recorded exchanges. The
// recorded List shows only V3Q4...: the Put / DeleteItem connection had left
// the channel by then, so the test disconnects it before listing.
func TestVendorExchanges(t *testing.T) {
	exchanges := []struct {
		name, target, body, want string
	}{
		{"put", target.Put,
			`{"channel_id": "sora", "connection_id": "0FQE5EA5YN3FS13P01QZ1JG8R0", "metadata": {"abc": "efg"}, "push": true}`,
			`{"abc": "efg"}`},
		{"delete item", target.DeleteItem,
			`{"channel_id": "sora", "connection_id": "0FQE5EA5YN3FS13P01QZ1JG8R0", "key": "abc", "push": true}`,
			`{}`},
		{"list", target.List, `{"channel_id": "sora"}`,
			`[{"client_id": "V3Q452QQBD5TQ6ZQDMTEDKA07C", "bundle_id": "V3Q452QQBD5TQ6ZQDMTEDKA07C",
         "connection_id": "V3Q452QQBD5TQ6ZQDMTEDKA07C", "metadata": {"abc": 10}}]`},
	}
	for _, origin := range []string{"", "http://127.0.0.1:8080"} {
		t.Run("cors "+origin, func(t *testing.T) {
			e, srv := start(t, Options{CORSOrigin: origin})
			if err := e.LoadFixtureYAML([]byte(vendorFixture)); err != nil {
				t.Fatal(err)
			}
			for i, x := range exchanges {
				if i == 2 && !e.RemoveConnection("sora", connA) {
					t.Fatal("fixture lacks " + connA)
				}
				t.Run(x.name, func(t *testing.T) {
					r := call(t, srv.URL, x.target, x.body)
					if r.status != 200 {
						t.Fatalf("status %d: %s", r.status, r.body)
					}
					jsonEqual(t, r.body, x.want)
					// Key order and numbers are the vendor's too: the reply is
					// the recorded body without whitespace.
					var want bytes.Buffer
					if err := json.Compact(&want, []byte(x.want)); err != nil {
						t.Fatal(err)
					}
					if !bytes.Equal(r.body, want.Bytes()) {
						t.Errorf("reply %s, recorded %s", r.body, want.Bytes())
					}
					if ct := r.header.Get("Content-Type"); ct != "application/json" {
						t.Errorf("content-type %q", ct)
					}
					checkCORS(t, r.header, origin)
				})
			}
			// Both writes had push: true: one message each to both connections.
			wantMsgs := []string{
				`{"data":{"type":"signaling_notify_metadata_ext","action":"PutMetadata","connection_id":"0FQE5EA5YN3FS13P01QZ1JG8R0","metadata":{"abc":"efg"}},"type":"push"}`,
				`{"data":{"type":"signaling_notify_metadata_ext","action":"DeleteMetadataItem","connection_id":"0FQE5EA5YN3FS13P01QZ1JG8R0","key":"abc"},"type":"push"}`,
			}
			ds := e.Deliveries("sora")
			if len(ds) != len(wantMsgs) {
				t.Fatalf("%d deliveries, want %d: %+v", len(ds), len(wantMsgs), ds)
			}
			for i, d := range ds {
				if string(d.Message) != wantMsgs[i] {
					t.Errorf("delivery %d: %s\nwant %s", i, d.Message, wantMsgs[i])
				}
				if len(d.Recipients) != 2 || d.Recipients[0] != connA || d.Recipients[1] != connB {
					t.Errorf("delivery %d recipients %v", i, d.Recipients)
				}
			}
		})
	}
}

// TestVendorPushChannel replays the vendor's recorded PushChannel exchange
// (API_PUSH): the reply is the push message, byte for byte, with the
// recorded content-length.
func TestVendorPushChannel(t *testing.T) {
	e, srv := start(t, Options{})
	mustAdd(t, e, Connection{ChannelID: "sora", ConnectionID: connA})
	r := call(t, srv.URL, target.PushChannel, "{\n    \"channel_id\": \"sora\",\n    \"data\": {\n        \"spam\": \"egg\"\n    }\n}")
	const recorded = "{\n    \"data\": {\n        \"spam\": \"egg\"\n    },\n    \"type\": \"push\"\n}"
	var want bytes.Buffer
	if err := json.Compact(&want, []byte(recorded)); err != nil {
		t.Fatal(err)
	}
	if r.status != 200 || !bytes.Equal(r.body, want.Bytes()) {
		t.Errorf("status %d, reply %s, recorded %s", r.status, r.body, want.Bytes())
	}
	if cl := r.header.Get("Content-Length"); cl != "37" {
		t.Errorf("content-length %q, recorded 37", cl)
	}
	if ds := e.Deliveries("sora"); len(ds) != 1 || !bytes.Equal(ds[0].Message, want.Bytes()) {
		t.Errorf("deliveries %+v", ds)
	}
}
