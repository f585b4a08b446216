package emulatorserver

// Options are the flags of `soracron emulator`.
type Options struct {
	Listen      string   // --listen, host:port
	Fixture     string   // --fixture, a YAML file ("" for none)
	Generate    []string // --generate CHANNEL=COUNT values
	CORSOrigin  string   // --cors-origin
	Seed        int64    // --seed (0: random)
	LogRequests bool     // --log-requests
	WebhookURL  string   // --event-webhook-url
	Faults      FaultFlags
}

// FaultFlags are the fault-injection flags of `soracron emulator`: one
// rule, for the targets of --fault-target or for all.
type FaultFlags struct {
	FailRate   float64  // --fail-rate
	FailStatus int      // --fail-status
	Targets    []string // --fault-target
	Latency    string   // --latency
	DropRate   float64  // --drop-rate
	DropAfter  float64  // --drop-after-apply-rate
	Hang       bool     // --hang
}
