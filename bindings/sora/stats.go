package sora

// Stats counts what a run asked of Sora. It is filled by the sora module and
// reported by the engine at the end of every run.
type Stats struct {
	// Calls counts API calls by action name ("list", "get", "put", "delete",
	// "put_item", "delete_item", or the target of sora.call).
	Calls map[string]int `json:"calls"`
	// Failures counts calls that ended in an error.
	Failures int `json:"failures"`
	// Writes counts writes made, or planned when DryRun is true.
	Writes int `json:"writes"`
	// DryRun is true when the writes were only planned.
	DryRun bool `json:"dry_run"`
	// Failed describes the first MaxFailed failed calls, in order.
	Failed []Failure `json:"failed,omitempty"`
}

// MaxFailed is the number of failed calls Stats describes (Failures counts
// them all).
const MaxFailed = 100

// Failure is one failed call: what it addressed and why it failed.
type Failure struct {
	// Action is the action name, as in Stats.Calls.
	Action string `json:"action"`
	// ChannelID, ConnectionID and Key are what the call addressed, when it
	// was a metadata action.
	ChannelID    string `json:"channel_id,omitempty"`
	ConnectionID string `json:"connection_id,omitempty"`
	Key          string `json:"key,omitempty"`
	// Type is the err.type the script saw (Sora's error_type, "transport",
	// "timeout", ...); Status the HTTP status, 0 when there was no reply.
	Type   string `json:"type"`
	Status int    `json:"status,omitempty"`
	// Error is the error's message.
	Error string `json:"error"`
}
