package emulator

import "github.com/soracron/soracron/emulator/push"

// Push deliveries (package push records them): every push message the
// emulator delivers, recorded and streamed.

// Deliveries returns deep copies of the recorded deliveries of channelID
// (every channel when empty), oldest first. The ring keeps the last
// Options.MaxEvents deliveries of all channels.
func (e *Emulator) Deliveries(channelID string) []push.Delivery {
	return e.events.Deliveries(channelID)
}

// Subscribe returns a live stream of the deliveries of channelID (every
// channel when empty) made from now on, and a function that ends the
// subscription and closes the stream. A subscriber that falls more than a
// few thousand deliveries behind loses the excess (counted by Dropped);
// writers never wait for it. The Recipients and Message of received
// deliveries are shared and must not be modified.
func (e *Emulator) Subscribe(channelID string) (<-chan push.Delivery, func()) {
	return e.events.Subscribe(channelID)
}

// Dropped returns the number of deliveries subscribers lost because they
// did not keep up.
func (e *Emulator) Dropped() uint64 { return e.events.Dropped() }

// EventStats returns the state of the delivery ring and subscriptions.
func (e *Emulator) EventStats() push.Stats { return e.events.Stats() }
