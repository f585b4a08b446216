package plan

import "encoding/json"

// Request is one API request of the sora module, its body encoded up front
// so that it can be sent from any goroutine.
type Request struct {
	// Action is the name counted in statistics: "put_item", or the full
	// target of a sora.call.
	Action string
	// Op is the Lua function named in errors ("sora.put_item").
	Op string
	// Target is the full x-sora-target.
	Target string

	// ChannelID, ConnectionID and Key address a metadata action.
	ChannelID, ConnectionID, Key string
	// Value is the value of put_item or the metadata of put (canonical JSON).
	Value []byte
	// Push asks Sora to push the change to the connection.
	Push bool
	// Write is true for the four metadata writes.
	Write bool

	// Body is the request body.
	Body []byte
	// Quiet requests are not counted in statistics (a dry run's own reads).
	Quiet bool
}

// RawBody is the body of r as Client.Call sends it: as is.
func (r *Request) RawBody() json.RawMessage { return json.RawMessage(r.Body) }
