package eventq

import "time"

// Event is one event of Sora's event webhook: its body, every field kept.
// Type, ChannelID, ConnectionID and Role are read from it (Type from the
// sora-event-webhook-type header when the body has none).
type Event struct {
	Fields                              map[string]any
	Type, ChannelID, ConnectionID, Role string
	ID, Timestamp                       string
	Received                            time.Time
}

// Key identifies the deliveries of one event: its type, connection and id
// (or timestamp). It is "" for events with neither id nor timestamp,
// which are not deduplicated.
func (ev *Event) Key() string {
	which := ev.ID
	if which == "" {
		which = ev.Timestamp
	}
	if which == "" {
		return ""
	}
	return ev.Type + "\x00" + ev.ChannelID + "\x00" + ev.ConnectionID + "\x00" + which
}

// lane is the key of the runs that must keep their order: one connection.
func (ev *Event) lane() string { return ev.ChannelID + "\x00" + ev.ConnectionID }
