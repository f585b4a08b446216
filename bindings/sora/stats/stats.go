package stats

// Stats counts what a run asked of Sora. It is filled by the sora module
// (package bindings/sora) and reported by the engine at the end of every
// run.
type Stats struct {
	// Calls counts API calls by action name ("list", "get", "put", "delete",
	// "put_item", "delete_item", or the target of sora.call).
	Calls map[string]int `json:"calls"`
	// Failures counts calls that ended in an error.
	Failures int `json:"failures"`
	// Writes counts writes made, or planned when DryRun is true.
	Writes int `json:"writes"`
	// WriteFailures counts the writes that failed after the client's
	// retries (a write to a connection gone is not one; Failures counts
	// them too).
	WriteFailures int `json:"write_failures,omitempty"`
	// Handled counts the write failures the script marked handled with
	// sora.handled.
	Handled int `json:"handled,omitempty"`
	// Gone counts the writes to a connection that had left the channel
	// (connection_not_found): not failures.
	Gone int `json:"gone,omitempty"`
	// Connections accounts for the connections of the run's update_all
	// calls.
	Connections ConnCounts `json:"connections,omitzero"`
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

// Unhandled is the number of write failures the script did not mark
// handled: a run that finished with some is partial.
func (st Stats) Unhandled() int { return max(0, st.WriteFailures-st.Handled) }

// ConnCounts accounts for every connection update_all considered: each is
// exactly one of unchanged (nothing to write, or skipped), written, failed
// (a write failed after retries, or was cut off by the run's end), gone
// (its write found it no longer in the channel) or not reached (the run
// ended before its change was sent).
type ConnCounts struct {
	// Connections is the number of connections listed.
	Connections int `json:"connections"`
	// Unchanged, Written, Failed, Gone and NotReached add up to Connections.
	Unchanged  int `json:"unchanged"`
	Written    int `json:"written"`
	Failed     int `json:"failed"`
	Gone       int `json:"gone"`
	NotReached int `json:"not_reached"`
	// IDsFile, when set, is a JSON file listing the ids of each kind (of
	// the last update_all with too many to log).
	IDsFile string `json:"ids_file,omitempty"`
}

// Add adds o's counts to c (and o's IDsFile, when set, replaces c's).
func (c *ConnCounts) Add(o ConnCounts) {
	c.Connections += o.Connections
	c.Unchanged += o.Unchanged
	c.Written += o.Written
	c.Failed += o.Failed
	c.Gone += o.Gone
	c.NotReached += o.NotReached
	if o.IDsFile != "" {
		c.IDsFile = o.IDsFile
	}
}
