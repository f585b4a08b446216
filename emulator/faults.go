package emulator

import (
	"net/http"

	"github.com/soracron/soracron/emulator/faults"
)

// Faults (package faults owns them; these names are the emulator's API for
// them): what the emulator does wrong on purpose to the Sora API, set with
// SetFaults, Options.Faults or PUT /emulator/faults.
type (
	// Faults are the faults in force (faults.Set).
	Faults = faults.Set
	// FaultRule is the faults of one set of targets (faults.Rule).
	FaultRule = faults.Rule
	// Latency is a delay, fixed or a range (faults.Latency).
	Latency = faults.Latency
	// FaultStats counts the faults injected (faults.Stats).
	FaultStats = faults.Stats
)

// ErrInjectedFault is the error_type of a failure the emulator injects.
const ErrInjectedFault = faults.ErrorType

// DefaultFailStatus is the status of injected failures when a rule gives none.
const DefaultFailStatus = faults.DefaultFailStatus

// ParseLatency reads "50ms" (fixed) or "5ms-50ms" (a range); "" and "0"
// are no latency.
func ParseLatency(s string) (Latency, error) { return faults.ParseLatency(s) }

// SetFaults replaces the faults in force (an empty Faults removes them).
// Requests hung by the previous faults are re-examined under the new ones.
// It fails, changing nothing, when f is invalid.
func (e *Emulator) SetFaults(f Faults) error { return e.faults.Set(f) }

// Faults returns the faults in force, normalized: full target names and
// statuses filled in.
func (e *Emulator) Faults() Faults { return e.faults.Faults() }

// FaultStats returns the counts of faults injected so far.
func (e *Emulator) FaultStats() FaultStats { return e.faults.Stats() }

// injectFault applies the faults in force to a Sora API request before it
// is applied. It returns true when it answered the request (an injected
// failure) or dropped it; the caller then does nothing more. Otherwise it
// says whether to drop the reply once the request is applied.
func (e *Emulator) injectFault(w http.ResponseWriter, r *http.Request, target string, body []byte) (answered, dropAfter bool) {
	d := e.faults.Decide(w, r, target, body)
	if d.FailStatus != 0 {
		e.apiFail(w, r, target, &apiError{d.FailStatus, ErrInjectedFault, d.FailMessage})
		return true, false
	}
	return d.Answered, d.DropAfterApply
}
