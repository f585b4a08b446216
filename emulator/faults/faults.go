package faults

import (
	"fmt"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/soracron/soracron/emulator/target"
)

// ErrorType is the error_type of a failure the emulator injects.
const ErrorType = "injected_fault"

// DefaultFailStatus is the status of injected failures when a rule gives none.
const DefaultFailStatus = http.StatusServiceUnavailable

// maxLatency bounds the latency a rule may add.
const maxLatency = time.Hour

// maxSeen bounds the requests whose occurrences are counted; the counts
// start over when it is reached.
const maxSeen = 1 << 20

// Set is the faults in force: what the emulator does wrong on purpose, to show how a client
// copes with a Sora that is slow, flaky or down. They apply to the Sora API
// (POST /) only, never to the admin API.
//
// Faults are repeatable: whether a request fails or is dropped, and how
// much latency it gets, depends only on the seed, on the request (its
// target and body) and on how many identical requests came before it since
// the faults were set — not on timing or on the order of concurrent
// requests. The same run against the same seed fails the same requests.
//
// An injected failure or drop happens before the request is applied: a
// failed write changed nothing. A drop after apply (DropAfterApplyRate) is
// the other case: the request is applied, then its connection is closed
// without a reply, as when a reply is lost on the way back; it applies only
// to requests that succeed (a request that failed was not applied).
type Set struct {
	// Seed drives the random draws of the rules.
	Seed uint64 `json:"seed"`
	// Rules are checked in order; the first whose Targets include the
	// request's target (or that has no Targets) applies to it, the others
	// are ignored.
	Rules []Rule `json:"rules"`
}

// Rule is the faults of one set of targets. Effects apply in the order
// of the fields: hang, latency, drop, failure, and drop after apply.
type Rule struct {
	// Targets are the targets the rule applies to, as full names
	// ("Sora_20201124.PutSignalingNotifyMetadataItem") or action names
	// ("PutSignalingNotifyMetadataItem"); empty applies to every request.
	Targets []string `json:"targets,omitempty"`
	// Hang stops answering: requests wait until the client goes away, the
	// server closes, or the faults change.
	Hang bool `json:"hang,omitempty"`
	// Latency is added before the reply: a fixed duration or a range.
	Latency Latency `json:"latency,omitzero"`
	// DropRate is the share of requests (0 to 1) whose connection is closed
	// without a reply.
	DropRate float64 `json:"drop_rate,omitempty"`
	// FailRate is the share of requests (0 to 1) answered with FailStatus
	// and the error_type injected_fault.
	FailRate float64 `json:"fail_rate,omitempty"`
	// FailStatus is the status of injected failures; DefaultFailStatus
	// (503) when zero. It must be 400 to 599.
	FailStatus int `json:"fail_status,omitempty"`
	// DropAfterApplyRate is the share of successful requests (0 to 1) that
	// are applied and then have their connection closed without a reply.
	DropAfterApplyRate float64 `json:"drop_after_apply_rate,omitempty"`
}

// Latency is a delay: Min when Max is not above it, else uniform in
// [Min, Max]. Its text form is "50ms" or "5ms-50ms".
type Latency struct {
	Min, Max time.Duration
}

// ParseLatency reads "50ms" (fixed) or "5ms-50ms" (a range); "" and "0"
// are no latency.
func ParseLatency(s string) (Latency, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "0" {
		return Latency{}, nil
	}
	lo, hi, isRange := strings.Cut(s, "-")
	min, err := time.ParseDuration(strings.TrimSpace(lo))
	if err != nil {
		return Latency{}, fmt.Errorf("latency %q: want a duration like 50ms or a range like 5ms-50ms", s)
	}
	l := Latency{Min: min, Max: min}
	if isRange {
		if l.Max, err = time.ParseDuration(strings.TrimSpace(hi)); err != nil {
			return Latency{}, fmt.Errorf("latency %q: want a duration like 50ms or a range like 5ms-50ms", s)
		}
	}
	return l, l.validate()
}

func (l Latency) validate() error {
	switch {
	case l.Min < 0 || l.Max < 0:
		return fmt.Errorf("latency %s: must not be negative", l)
	case l.Max != 0 && l.Max < l.Min:
		return fmt.Errorf("latency %s: the range ends before it starts", l)
	case max(l.Min, l.Max) > maxLatency:
		return fmt.Errorf("latency %s: at most %s", l, maxLatency)
	}
	return nil
}

// IsZero reports whether l adds no delay.
func (l Latency) IsZero() bool { return l.Min <= 0 && l.Max <= 0 }

func (l Latency) String() string {
	if l.Max > l.Min {
		return l.Min.String() + "-" + l.Max.String()
	}
	return l.Min.String()
}

// MarshalText renders l as ParseLatency reads it.
func (l Latency) MarshalText() ([]byte, error) { return []byte(l.String()), nil }

// UnmarshalText reads l with ParseLatency.
func (l *Latency) UnmarshalText(b []byte) error {
	v, err := ParseLatency(string(b))
	if err != nil {
		return err
	}
	*l = v
	return nil
}

// Stats counts the faults injected since the emulator started.
type Stats struct {
	Failed            uint64 `json:"failed"`
	Dropped           uint64 `json:"dropped"`
	DroppedAfterApply uint64 `json:"dropped_after_apply"`
	Delayed           uint64 `json:"delayed"`
	Hung              uint64 `json:"hung"`
}

// Validate reports what is wrong with f, naming the rule and field.
func (f Set) Validate() error {
	_, err := f.normalize()
	return err
}

// normalize validates f and returns it with full target names and default
// statuses.
func (f Set) normalize() (Set, error) {
	out := Set{Seed: f.Seed, Rules: make([]Rule, len(f.Rules))}
	for i, r := range f.Rules {
		where := fmt.Sprintf("rules[%d]", i)
		for _, rate := range []struct {
			name string
			v    float64
		}{{"fail_rate", r.FailRate}, {"drop_rate", r.DropRate}, {"drop_after_apply_rate", r.DropAfterApplyRate}} {
			if math.IsNaN(rate.v) || rate.v < 0 || rate.v > 1 {
				return Set{}, fmt.Errorf("%s: %s %v: want a share from 0 to 1", where, rate.name, rate.v)
			}
		}
		switch {
		case r.FailStatus == 0:
			r.FailStatus = DefaultFailStatus
		case r.FailStatus < 400 || r.FailStatus > 599:
			return Set{}, fmt.Errorf("%s: fail_status %d: want an error status from 400 to 599", where, r.FailStatus)
		}
		if err := r.Latency.validate(); err != nil {
			return Set{}, fmt.Errorf("%s: %w", where, err)
		}
		if r.Latency.Max < r.Latency.Min {
			r.Latency.Max = r.Latency.Min
		}
		targets := make([]string, 0, len(r.Targets))
		for _, t := range r.Targets {
			full, ok := target.Full(t)
			if !ok {
				return Set{}, fmt.Errorf("%s: unknown target %q (want one of %s)", where, t, strings.Join(target.ActionNames(), ", "))
			}
			targets = append(targets, full)
		}
		if len(targets) == 0 {
			targets = nil
		}
		r.Targets = targets
		out.Rules[i] = r
	}
	return out, nil
}

// Active reports whether a rule does anything.
func (r *Rule) Active() bool {
	return r.Hang || !r.Latency.IsZero() || r.DropRate > 0 || r.FailRate > 0 || r.DropAfterApplyRate > 0
}
