package emulator

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/soracron/soracron/emulator/target"
)

// ErrInjectedFault is the error_type of a failure the emulator injects.
const ErrInjectedFault = "injected_fault"

// DefaultFailStatus is the status of injected failures when a rule gives none.
const DefaultFailStatus = http.StatusServiceUnavailable

// maxLatency bounds the latency a rule may add.
const maxLatency = time.Hour

// maxSeen bounds the requests whose occurrences are counted; the counts
// start over when it is reached.
const maxSeen = 1 << 20

// Faults are what the emulator does wrong on purpose, to show how a client
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
type Faults struct {
	// Seed drives the random draws of the rules.
	Seed uint64 `json:"seed"`
	// Rules are checked in order; the first whose Targets include the
	// request's target (or that has no Targets) applies to it, the others
	// are ignored.
	Rules []FaultRule `json:"rules"`
}

// FaultRule is the faults of one set of targets. Effects apply in the order
// of the fields: hang, latency, drop, failure, and drop after apply.
type FaultRule struct {
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

// FaultStats counts the faults injected since the emulator started.
type FaultStats struct {
	Failed            uint64 `json:"failed"`
	Dropped           uint64 `json:"dropped"`
	DroppedAfterApply uint64 `json:"dropped_after_apply"`
	Delayed           uint64 `json:"delayed"`
	Hung              uint64 `json:"hung"`
}

// faultCounters are the atomic counters behind FaultStats.
type faultCounters struct {
	failed, dropped, droppedAfterApply, delayed, hung atomic.Uint64
}

// faultState is one set of faults in force, with what it needs at request
// time. It is replaced as a whole by SetFaults.
type faultState struct {
	faults Faults        // normalized (full target names, status set)
	rules  []ruleState   // compiled Rules
	done   chan struct{} // closed when the faults are replaced: wakes hung requests

	mu   sync.Mutex
	seen map[uint64]uint32 // occurrences of each request, by hash
}

type ruleState struct {
	targets map[string]bool // nil: every target
	FaultRule
	random bool // draws something: the occurrence count is needed
}

// Validate reports what is wrong with f, naming the rule and field.
func (f Faults) Validate() error {
	_, err := f.normalize()
	return err
}

// normalize validates f and returns it with full target names and default
// statuses.
func (f Faults) normalize() (Faults, error) {
	out := Faults{Seed: f.Seed, Rules: make([]FaultRule, len(f.Rules))}
	for i, r := range f.Rules {
		where := fmt.Sprintf("rules[%d]", i)
		for _, rate := range []struct {
			name string
			v    float64
		}{{"fail_rate", r.FailRate}, {"drop_rate", r.DropRate}, {"drop_after_apply_rate", r.DropAfterApplyRate}} {
			if math.IsNaN(rate.v) || rate.v < 0 || rate.v > 1 {
				return Faults{}, fmt.Errorf("%s: %s %v: want a share from 0 to 1", where, rate.name, rate.v)
			}
		}
		switch {
		case r.FailStatus == 0:
			r.FailStatus = DefaultFailStatus
		case r.FailStatus < 400 || r.FailStatus > 599:
			return Faults{}, fmt.Errorf("%s: fail_status %d: want an error status from 400 to 599", where, r.FailStatus)
		}
		if err := r.Latency.validate(); err != nil {
			return Faults{}, fmt.Errorf("%s: %w", where, err)
		}
		if r.Latency.Max < r.Latency.Min {
			r.Latency.Max = r.Latency.Min
		}
		targets := make([]string, 0, len(r.Targets))
		for _, t := range r.Targets {
			full, ok := target.Full(t)
			if !ok {
				return Faults{}, fmt.Errorf("%s: unknown target %q (want one of %s)", where, t, strings.Join(target.ActionNames(), ", "))
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

// active reports whether a rule does anything.
func (r *FaultRule) active() bool {
	return r.Hang || !r.Latency.IsZero() || r.DropRate > 0 || r.FailRate > 0 || r.DropAfterApplyRate > 0
}

// SetFaults replaces the faults in force (an empty Faults removes them).
// Requests hung by the previous faults are re-examined under the new ones.
// It fails, changing nothing, when f is invalid.
func (e *Emulator) SetFaults(f Faults) error {
	n, err := f.normalize()
	if err != nil {
		return fmt.Errorf("faults: %w", err)
	}
	e.setFaults(n)
	return nil
}

// setFaults installs normalized faults.
func (e *Emulator) setFaults(f Faults) {
	var st *faultState
	for _, r := range f.Rules {
		if r.active() {
			st = &faultState{faults: f, done: make(chan struct{}), seen: map[uint64]uint32{}}
			break
		}
	}
	if st != nil {
		for _, r := range f.Rules {
			rs := ruleState{FaultRule: r, random: r.DropRate > 0 || r.FailRate > 0 || r.DropAfterApplyRate > 0 || r.Latency.Max > r.Latency.Min}
			if r.Targets != nil {
				rs.targets = map[string]bool{}
				for _, t := range r.Targets {
					rs.targets[t] = true
				}
			}
			st.rules = append(st.rules, rs)
		}
	}
	e.faultMu.Lock()
	defer e.faultMu.Unlock()
	e.faultSpec = f
	if old := e.faults.Swap(st); old != nil {
		close(old.done)
	}
}

// Faults returns the faults in force, normalized: full target names and
// statuses filled in.
func (e *Emulator) Faults() Faults {
	e.faultMu.Lock()
	defer e.faultMu.Unlock()
	f := e.faultSpec
	f.Rules = append([]FaultRule(nil), f.Rules...)
	for i := range f.Rules {
		f.Rules[i].Targets = append([]string(nil), f.Rules[i].Targets...)
	}
	return f
}

// FaultStats returns the counts of faults injected so far.
func (e *Emulator) FaultStats() FaultStats {
	c := &e.faultCount
	return FaultStats{Failed: c.failed.Load(), Dropped: c.dropped.Load(), DroppedAfterApply: c.droppedAfterApply.Load(),
		Delayed: c.delayed.Load(), Hung: c.hung.Load()}
}

// match returns the rule that applies to target, nil when none does.
func (st *faultState) match(target string) *ruleState {
	for i := range st.rules {
		r := &st.rules[i]
		if r.targets == nil || r.targets[target] {
			return r
		}
	}
	return nil
}

// occurrence returns how many identical requests (by hash) came before this
// one since the faults were set.
func (st *faultState) occurrence(h uint64) uint32 {
	st.mu.Lock()
	defer st.mu.Unlock()
	if len(st.seen) >= maxSeen {
		clear(st.seen)
	}
	n := st.seen[h]
	st.seen[h] = n + 1
	return n
}

// Salts of the independent draws made for one request.
const (
	saltDrop uint64 = iota + 1
	saltFail
	saltLatency
	saltDropAfterApply
)

// draw returns a number in [0, 1) fixed by the seed, the request hash, its
// occurrence and the salt.
func (st *faultState) draw(h uint64, n uint32, salt uint64) float64 {
	x := splitmix(st.faults.Seed ^ splitmix(h^splitmix(uint64(n)<<8|salt)))
	return float64(x>>11) / (1 << 53)
}

// splitmix is the SplitMix64 finalizer.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// requestHash is FNV-1a of the target and the body.
func requestHash(target string, body []byte) uint64 {
	const prime = 1099511628211
	h := uint64(14695981039346656037)
	for i := 0; i < len(target); i++ {
		h = (h ^ uint64(target[i])) * prime
	}
	h = (h ^ 0xff) * prime
	for _, c := range body {
		h = (h ^ uint64(c)) * prime
	}
	return h
}

// errAborted means the request was dropped or its client went away.
var errAborted = errors.New("aborted")

// afterFault is what the faults do after a request is applied.
type afterFault struct {
	drop bool // close the connection instead of replying
}

// injectFault applies the faults in force to a Sora API request. It returns
// true when it answered the request (an injected failure) or dropped it;
// the caller then does nothing more. Otherwise it says what to do once the
// request is applied.
func (e *Emulator) injectFault(w http.ResponseWriter, r *http.Request, target string, body []byte) (bool, afterFault) {
	for {
		st := e.faults.Load()
		if st == nil {
			return false, afterFault{}
		}
		rule := st.match(target)
		if rule == nil {
			return false, afterFault{}
		}
		if rule.Hang {
			e.faultCount.hung.Add(1)
			select {
			case <-r.Context().Done():
				abort(w)
				return true, afterFault{}
			case <-st.done: // the faults changed: look again
				continue
			}
		}
		var h uint64
		var n uint32
		if rule.random {
			h = requestHash(target, body)
			n = st.occurrence(h)
		}
		if lat := rule.Latency; !lat.IsZero() {
			d := lat.Min
			if lat.Max > lat.Min {
				d += time.Duration(st.draw(h, n, saltLatency) * float64(lat.Max-lat.Min+1))
			}
			e.faultCount.delayed.Add(1)
			if err := sleepCtx(r, d); err != nil {
				abort(w)
				return true, afterFault{}
			}
		}
		if rule.DropRate > 0 && st.draw(h, n, saltDrop) < rule.DropRate {
			e.faultCount.dropped.Add(1)
			abort(w)
			return true, afterFault{}
		}
		if rule.FailRate > 0 && st.draw(h, n, saltFail) < rule.FailRate {
			e.faultCount.failed.Add(1)
			e.apiFail(w, r, target, &apiError{rule.FailStatus, ErrInjectedFault,
				fmt.Sprintf("injected fault: status %d for %s (emulator fault rule, fail_rate %g)", rule.FailStatus, target, rule.FailRate)})
			return true, afterFault{}
		}
		return false, afterFault{drop: rule.DropAfterApplyRate > 0 && st.draw(h, n, saltDropAfterApply) < rule.DropAfterApplyRate}
	}
}

// sleepCtx waits d, or until the request's client goes away.
func sleepCtx(r *http.Request, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-r.Context().Done():
		return errAborted
	}
}

// abort closes the request's connection without a reply: hijacked and
// closed over HTTP/1, aborted (http.ErrAbortHandler) otherwise.
func abort(w http.ResponseWriter) {
	if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
		_ = conn.Close()
		return
	}
	panic(http.ErrAbortHandler)
}
