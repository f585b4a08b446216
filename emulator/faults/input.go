package faults

import (
	"encoding/json"
	"errors"
)

// Reply is the body of GET and PUT /emulator/faults: the faults in force
// and the counts of those injected so far.
type Reply struct {
	Set
	Injected Stats `json:"injected"`
}

// Input is the body of PUT /emulator/faults: a Set ({"seed", "rules":
// [...]}), or the shorthand of one rule for every target given at the top
// level ({"fail_rate": 1}, optionally with a seed). The injected counts of
// a Reply are accepted and ignored, so that a reply can be edited and sent
// back.
type Input struct {
	Set
	Rule
	Injected json.RawMessage `json:"injected,omitempty"`
}

// Faults returns the faults the body asks for (not validated yet).
func (in *Input) Faults() (Set, error) {
	r := in.Rule
	if !r.Active() && len(r.Targets) == 0 && r.FailStatus == 0 {
		return in.Set, nil
	}
	if len(in.Rules) > 0 {
		return Set{}, errors.New(`invalid body: give either "rules": [...] or the fields of one rule at the top level, not both`)
	}
	return Set{Seed: in.Seed, Rules: []Rule{r}}, nil
}
