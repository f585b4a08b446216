package faults

import (
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Injector applies a Set to the requests of the Sora API. The zero value
// injects nothing and is ready to use; it is safe for concurrent use.
type Injector struct {
	state atomic.Pointer[state] // nil: no fault (the fast path)
	mu    sync.Mutex            // serialises Set
	spec  Set                   // as set, normalized
	count counters
}

// counters are the atomic counters behind Stats.
type counters struct {
	failed, dropped, droppedAfterApply, delayed, hung atomic.Uint64
}

// state is one set of faults in force, with what it needs at request time.
// It is replaced as a whole by Set.
type state struct {
	faults Set           // normalized (full target names, status set)
	rules  []ruleState   // compiled Rules
	done   chan struct{} // closed when the faults are replaced: wakes hung requests

	mu   sync.Mutex
	seen map[uint64]uint32 // occurrences of each request, by hash
}

type ruleState struct {
	targets map[string]bool // nil: every target
	Rule
	random bool // draws something: the occurrence count is needed
}

// Set replaces the faults in force (an empty Set removes them). Requests
// hung by the previous faults are re-examined under the new ones. It fails,
// changing nothing, when f is invalid.
func (in *Injector) Set(f Set) error {
	n, err := f.normalize()
	if err != nil {
		return fmt.Errorf("faults: %w", err)
	}
	in.install(n)
	return nil
}

// Clear removes the faults in force.
func (in *Injector) Clear() { in.install(Set{}) }

// install puts normalized faults in force.
func (in *Injector) install(f Set) {
	var st *state
	for _, r := range f.Rules {
		if r.Active() {
			st = &state{faults: f, done: make(chan struct{}), seen: map[uint64]uint32{}}
			break
		}
	}
	if st != nil {
		for _, r := range f.Rules {
			rs := ruleState{Rule: r, random: r.DropRate > 0 || r.FailRate > 0 || r.DropAfterApplyRate > 0 || r.Latency.Max > r.Latency.Min}
			if r.Targets != nil {
				rs.targets = map[string]bool{}
				for _, t := range r.Targets {
					rs.targets[t] = true
				}
			}
			st.rules = append(st.rules, rs)
		}
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	in.spec = f
	if old := in.state.Swap(st); old != nil {
		close(old.done)
	}
}

// Active reports whether any fault is in force.
func (in *Injector) Active() bool { return in.state.Load() != nil }

// Faults returns the faults in force, normalized: full target names and
// statuses filled in.
func (in *Injector) Faults() Set {
	in.mu.Lock()
	defer in.mu.Unlock()
	f := in.spec
	f.Rules = append([]Rule(nil), f.Rules...)
	for i := range f.Rules {
		f.Rules[i].Targets = append([]string(nil), f.Rules[i].Targets...)
	}
	return f
}

// Stats returns the counts of faults injected so far.
func (in *Injector) Stats() Stats {
	c := &in.count
	return Stats{Failed: c.failed.Load(), Dropped: c.dropped.Load(), DroppedAfterApply: c.droppedAfterApply.Load(),
		Delayed: c.delayed.Load(), Hung: c.hung.Load()}
}

// match returns the rule that applies to target, nil when none does.
func (st *state) match(target string) *ruleState {
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
func (st *state) occurrence(h uint64) uint32 {
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
func (st *state) draw(h uint64, n uint32, salt uint64) float64 {
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

// Decision is what the faults in force make of one request of the Sora API.
type Decision struct {
	// Answered: the request was dropped (its connection closed) or its
	// client went away; the caller does nothing more.
	Answered bool
	// FailStatus, when not zero, is the status of an injected failure the
	// caller answers with (error_type ErrorType, message FailMessage),
	// without applying the request.
	FailStatus  int
	FailMessage string
	// DropAfterApply: the caller applies the request, then calls
	// DropReply instead of replying when it succeeded.
	DropAfterApply bool
}

// Decide applies the faults in force to a Sora API request of target with
// body, before the request is applied: it hangs, delays or drops the
// request itself, and says whether to fail it or drop its reply.
func (in *Injector) Decide(w http.ResponseWriter, r *http.Request, target string, body []byte) Decision {
	for {
		st := in.state.Load()
		if st == nil {
			return Decision{}
		}
		rule := st.match(target)
		if rule == nil {
			return Decision{}
		}
		if rule.Hang {
			in.count.hung.Add(1)
			select {
			case <-r.Context().Done():
				abort(w)
				return Decision{Answered: true}
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
			in.count.delayed.Add(1)
			if err := sleepCtx(r, d); err != nil {
				abort(w)
				return Decision{Answered: true}
			}
		}
		if rule.DropRate > 0 && st.draw(h, n, saltDrop) < rule.DropRate {
			in.count.dropped.Add(1)
			abort(w)
			return Decision{Answered: true}
		}
		if rule.FailRate > 0 && st.draw(h, n, saltFail) < rule.FailRate {
			in.count.failed.Add(1)
			return Decision{FailStatus: rule.FailStatus,
				FailMessage: fmt.Sprintf("injected fault: status %d for %s (emulator fault rule, fail_rate %g)", rule.FailStatus, target, rule.FailRate)}
		}
		return Decision{DropAfterApply: rule.DropAfterApplyRate > 0 && st.draw(h, n, saltDropAfterApply) < rule.DropAfterApplyRate}
	}
}

// DropReply closes the connection of a request that was applied, without
// its reply (Decision.DropAfterApply), and counts it.
func (in *Injector) DropReply(w http.ResponseWriter) {
	in.count.droppedAfterApply.Add(1)
	abort(w)
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
