package push

import (
	"encoding/json"
	"slices"
	"sync"
	"sync/atomic"
)

// SubscriberBuffer is the number of deliveries a subscriber may lag behind
// before deliveries to it are dropped.
const SubscriberBuffer = 4096

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

// Log records deliveries in a bounded ring and fans them out to
// subscribers without ever blocking the writer. It is safe for concurrent
// use.
type Log struct {
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

// NewLog returns a Log that keeps the last max deliveries.
func NewLog(max int) *Log {
	return &Log{max: max, subs: map[*subscriber]struct{}{}}
}

// Record stores a delivery and sends it to matching subscribers. recipients
// and msg are kept, not copied: callers pass immutable slices.
func (ev *Log) Record(channelID string, recipients []string, msg []byte) {
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

// Clear removes the recorded deliveries; subscriptions stay and sequence
// numbers keep increasing.
func (ev *Log) Clear() {
	ev.mu.Lock()
	ev.ring, ev.start = nil, 0
	ev.mu.Unlock()
}

// Deliveries returns deep copies of the recorded deliveries of channelID
// (every channel when empty), oldest first.
func (ev *Log) Deliveries(channelID string) []Delivery {
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
// few thousand deliveries (SubscriberBuffer) behind loses the excess
// (counted by Dropped);
// writers never wait for it. The Recipients and Message of received
// deliveries are shared and must not be modified.
func (ev *Log) Subscribe(channelID string) (<-chan Delivery, func()) {
	s := &subscriber{channelID: channelID, ch: make(chan Delivery, SubscriberBuffer)}
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
func (ev *Log) Dropped() uint64 { return ev.dropped.Load() }

// Stats describes the delivery ring.
type Stats struct {
	// LastSeq is the sequence number of the latest delivery (0: none yet).
	LastSeq uint64 `json:"last_seq"`
	// Recorded is the number of deliveries in the ring.
	Recorded int `json:"recorded"`
	// Subscribers is the number of live subscriptions.
	Subscribers int `json:"subscribers"`
	// Dropped counts deliveries lost by slow subscribers.
	Dropped uint64 `json:"dropped"`
}

// Stats returns the state of the delivery ring and subscriptions.
func (ev *Log) Stats() Stats {
	ev.mu.Lock()
	defer ev.mu.Unlock()
	return Stats{LastSeq: ev.seq, Recorded: len(ev.ring), Subscribers: len(ev.subs), Dropped: ev.dropped.Load()}
}
