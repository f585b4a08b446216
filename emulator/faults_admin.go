package emulator

import (
	"encoding/json"
	"errors"
	"net/http"
)

// faultsReply is the body of GET and PUT /emulator/faults.
type faultsReply struct {
	Faults
	Injected FaultStats `json:"injected"`
}

// faultsInput is the body of PUT /emulator/faults: a Faults
// ({"seed", "rules": [...]}), or the shorthand of one rule for every target
// given at the top level ({"fail_rate": 1}, optionally with a seed). The
// injected counts of a GET reply are accepted and ignored, so that a reply
// can be edited and sent back.
type faultsInput struct {
	Faults
	FaultRule
	Injected json.RawMessage `json:"injected,omitempty"`
}

// faults returns the faults the body asks for.
func (in *faultsInput) faults() (Faults, error) {
	r := in.FaultRule
	if !r.active() && len(r.Targets) == 0 && r.FailStatus == 0 {
		return in.Faults, nil
	}
	if len(in.Rules) > 0 {
		return Faults{}, errors.New(`invalid body: give either "rules": [...] or the fields of one rule at the top level, not both`)
	}
	return Faults{Seed: in.Seed, Rules: []FaultRule{r}}, nil
}

func (e *Emulator) faultsReply() faultsReply {
	f := e.Faults()
	if f.Rules == nil {
		f.Rules = []FaultRule{}
	}
	return faultsReply{Faults: f, Injected: e.FaultStats()}
}

func (e *Emulator) adminFaultsGet(w http.ResponseWriter, _ *http.Request) {
	e.writeValue(w, http.StatusOK, e.faultsReply())
}

func (e *Emulator) adminFaultsPut(w http.ResponseWriter, r *http.Request) {
	var in faultsInput
	if err := decodeAdmin(r, &in); err != nil {
		e.writeError(w, http.StatusBadRequest, ErrBadRequest, err.Error())
		return
	}
	f, err := in.faults()
	if err == nil {
		err = e.SetFaults(f)
	}
	if err != nil {
		e.writeError(w, http.StatusBadRequest, ErrBadRequest, err.Error())
		return
	}
	e.log.Info("faults set", "rules", len(f.Rules), "seed", f.Seed)
	e.writeValue(w, http.StatusOK, e.faultsReply())
}

func (e *Emulator) adminFaultsDelete(w http.ResponseWriter, _ *http.Request) {
	e.setFaults(Faults{})
	e.log.Info("faults removed")
	w.WriteHeader(http.StatusNoContent)
}
