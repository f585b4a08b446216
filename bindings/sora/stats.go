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
}
