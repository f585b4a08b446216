package emulator

import (
	"encoding/json"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/soracron/soracron/emulator/internal/jsonscan"
)

// subscriberBuffer is the number of deliveries a subscriber may lag behind
// before deliveries to it are dropped.
const subscriberBuffer = 4096

// Delivery is one push message delivered to the connections of a channel.
type Delivery struct {
	// Seq numbers deliveries from 1, in the order they were made.
	Seq uint64 `json:"seq"`
	// ChannelID is the channel of the recipients.
	ChannelID string `json:"channel_id"`
	// Recipients are the connection ids that received the message, sorted.
	Recipients []string `json:"recipients"`
	// Message is the exact message each recipient received,
	// {"data":...,"type":"push"} ("type" last, as the vendor records it).
	Message json.RawMessage `json:"message"`
}

// clone returns a deep copy of d.
func (d Delivery) clone() Delivery {
	d.Recipients = slices.Clone(d.Recipients)
	d.Message = slices.Clone(d.Message)
	return d
}

// events records deliveries in a bounded ring and fans them out to
// subscribers without ever blocking the writer.
type events struct {
	mu    sync.Mutex
	seq   uint64
	max   int
	ring  []Delivery // grows to max, then wraps at start
	start int
	subs  map[*subscriber]struct{}

	dropped atomic.Uint64
}

type subscriber struct {
	channelID string
	ch        chan Delivery
}

func (ev *events) init(max int) {
	ev.max = max
	ev.subs = map[*subscriber]struct{}{}
}

// record stores a delivery and sends it to matching subscribers. recipients
// and msg are kept, not copied: callers pass immutable slices.
func (ev *events) record(channelID string, recipients []string, msg []byte) {
	ev.mu.Lock()
	defer ev.mu.Unlock()
	ev.seq++
	d := Delivery{Seq: ev.seq, ChannelID: channelID, Recipients: recipients, Message: msg}
	if len(ev.ring) < ev.max {
		ev.ring = append(ev.ring, d)
	} else {
		ev.ring[ev.start] = d
		ev.start = (ev.start + 1) % ev.max
	}
	for s := range ev.subs {
		if s.channelID != "" && s.channelID != channelID {
			continue
		}
		select {
		case s.ch <- d:
		default:
			ev.dropped.Add(1)
		}
	}
}

func (ev *events) clear() {
	ev.mu.Lock()
	ev.ring, ev.start = nil, 0
	ev.mu.Unlock()
}

// Deliveries returns deep copies of the recorded deliveries of channelID
// (every channel when empty), oldest first. The ring keeps the last
// Options.MaxEvents deliveries of all channels.
func (e *Emulator) Deliveries(channelID string) []Delivery {
	ev := &e.events
	ev.mu.Lock()
	defer ev.mu.Unlock()
	out := []Delivery{}
	n := len(ev.ring)
	for i := range n {
		d := ev.ring[(ev.start+i)%n]
		if channelID == "" || d.ChannelID == channelID {
			out = append(out, d.clone())
		}
	}
	return out
}

// Subscribe returns a live stream of the deliveries of channelID (every
// channel when empty) made from now on, and a function that ends the
// subscription and closes the stream. A subscriber that falls more than a
// few thousand deliveries behind loses the excess (counted by Dropped);
// writers never wait for it. The Recipients and Message of received
// deliveries are shared and must not be modified.
func (e *Emulator) Subscribe(channelID string) (<-chan Delivery, func()) {
	ev := &e.events
	s := &subscriber{channelID: channelID, ch: make(chan Delivery, subscriberBuffer)}
	ev.mu.Lock()
	ev.subs[s] = struct{}{}
	ev.mu.Unlock()
	var once sync.Once
	return s.ch, func() {
		once.Do(func() {
			ev.mu.Lock()
			delete(ev.subs, s)
			close(s.ch)
			ev.mu.Unlock()
		})
	}
}

// Dropped returns the number of deliveries subscribers lost because they
// did not keep up.
func (e *Emulator) Dropped() uint64 { return e.events.dropped.Load() }

// EventStats describes the delivery ring.
type EventStats struct {
	// LastSeq is the sequence number of the latest delivery (0: none yet).
	LastSeq uint64 `json:"last_seq"`
	// Recorded is the number of deliveries in the ring.
	Recorded int `json:"recorded"`
	// Subscribers is the number of live subscriptions.
	Subscribers int `json:"subscribers"`
	// Dropped counts deliveries lost by slow subscribers.
	Dropped uint64 `json:"dropped"`
}

// EventStats returns the state of the delivery ring and subscriptions.
func (e *Emulator) EventStats() EventStats {
	ev := &e.events
	ev.mu.Lock()
	defer ev.mu.Unlock()
	return EventStats{LastSeq: ev.seq, Recorded: len(ev.ring), Subscribers: len(ev.subs), Dropped: ev.dropped.Load()}
}

// Push messages of the metadata writes. The outer object keeps the key order
// of the vendor's recorded push messages, "type" last ({"data": ..., "type":
// "push"}, as in the recorded PushChannel reply); inside data the order follows
// the reference: type, action, connection_id, then the action's fields.

const pushPrefix = `{"data":{"type":"signaling_notify_metadata_ext","action":"`

// pushSuffix closes data and adds the outer "type", last.
const pushSuffix = `},"type":"push"}`

func metadataPush(action, connectionID string, extra int) []byte {
	b := make([]byte, 0, len(pushPrefix)+len(action)+len(connectionID)+extra+48)
	b = append(b, pushPrefix...)
	b = append(b, action...)
	b = append(b, `","connection_id":`...)
	return jsonscan.AppendString(b, connectionID)
}

// pushMetadata is the message of PutMetadata / DeleteMetadata.
func pushMetadata(action, connectionID string, md []byte) []byte {
	b := metadataPush(action, connectionID, len(md))
	b = append(b, `,"metadata":`...)
	b = append(b, md...)
	return append(b, pushSuffix...)
}

// pushItem is the message of PutMetadataItem (value != nil) and
// DeleteMetadataItem (value == nil).
func pushItem(action, connectionID, key string, value []byte) []byte {
	b := metadataPush(action, connectionID, len(key)+len(value))
	b = append(b, `,"key":`...)
	b = jsonscan.AppendString(b, key)
	if value != nil {
		b = append(b, `,"value":`...)
		b = append(b, value...)
	}
	return append(b, pushSuffix...)
}

// pushData is the message of the Push* targets, with the key order of the
// vendor's recorded PushChannel reply: {"data": ..., "type": "push"}.
func pushData(data []byte) []byte {
	b := make([]byte, 0, len(data)+24)
	b = append(b, `{"data":`...)
	b = jsonscan.AppendCompact(b, data)
	return append(b, `,"type":"push"}`...)
}
