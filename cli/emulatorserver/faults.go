package emulatorserver

import (
	"errors"
	"fmt"
	"strings"

	"github.com/soracron/soracron/emulator"
)

// faults returns the fault rule of the flags, nil when they ask for none.
func (f *FaultFlags) faults(seed uint64) (*emulator.Faults, error) {
	lat, err := emulator.ParseLatency(f.Latency)
	if err != nil {
		return nil, fmt.Errorf("--latency: %w", err)
	}
	rule := emulator.FaultRule{Targets: f.Targets, Hang: f.Hang, Latency: lat, DropRate: f.DropRate,
		FailRate: f.FailRate, FailStatus: f.FailStatus, DropAfterApplyRate: f.DropAfter}
	if !rule.Hang && lat.IsZero() && rule.DropRate == 0 && rule.FailRate == 0 && rule.DropAfterApplyRate == 0 {
		if len(f.Targets) > 0 {
			return nil, errors.New("--fault-target needs a fault: --fail-rate, --latency, --drop-rate, --drop-after-apply-rate or --hang")
		}
		return nil, nil
	}
	flt := &emulator.Faults{Seed: seed, Rules: []emulator.FaultRule{rule}}
	if err := flt.Validate(); err != nil {
		msg := strings.TrimPrefix(err.Error(), "rules[0]: ")
		for _, n := range []string{"fail_rate", "fail_status", "drop_rate", "drop_after_apply_rate"} {
			msg = strings.Replace(msg, n+" ", "--"+strings.ReplaceAll(n, "_", "-")+" ", 1)
		}
		msg = strings.Replace(msg, "unknown target", "--fault-target: unknown target", 1)
		return nil, errors.New(msg)
	}
	return flt, nil
}

// describeFaults is the start-up line of the faults in force.
func describeFaults(f *emulator.Faults) string {
	r := f.Rules[0]
	var parts []string
	if r.Hang {
		parts = append(parts, "no reply at all (--hang)")
	}
	if !r.Latency.IsZero() {
		parts = append(parts, "latency "+r.Latency.String())
	}
	if r.DropRate > 0 {
		parts = append(parts, fmt.Sprintf("%g%% dropped", r.DropRate*100))
	}
	if r.FailRate > 0 {
		parts = append(parts, fmt.Sprintf("%g%% failed with status %d", r.FailRate*100, r.FailStatus))
	}
	if r.DropAfterApplyRate > 0 {
		parts = append(parts, fmt.Sprintf("%g%% applied, then dropped", r.DropAfterApplyRate*100))
	}
	where := "every Sora API request"
	if len(r.Targets) > 0 {
		where = strings.Join(r.Targets, ", ")
	}
	return fmt.Sprintf("injecting faults into %s: %s (seed %d)", where, strings.Join(parts, ", "), f.Seed)
}
