package emulator

import (
	"encoding/json"
	"net/http"
)

// faultsReply is the body of GET and PUT /emulator/faults.
type faultsReply struct {
	Faults
	Injected FaultStats `json:"injected"`
}

// faultsInput is the body of PUT /emulator/faults: a Faults; the injected
// counts of a GET reply are accepted and ignored, so that a reply can be
// edited and sent back.
type faultsInput struct {
	Faults
	Injected json.RawMessage `json:"injected,omitempty"`
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
	if err := e.SetFaults(in.Faults); err != nil {
		e.writeError(w, http.StatusBadRequest, ErrBadRequest, err.Error())
		return
	}
	e.log.Info("faults set", "rules", len(in.Rules), "seed", in.Seed)
	e.writeValue(w, http.StatusOK, e.faultsReply())
}

func (e *Emulator) adminFaultsDelete(w http.ResponseWriter, _ *http.Request) {
	e.setFaults(Faults{})
	e.log.Info("faults removed")
	w.WriteHeader(http.StatusNoContent)
}
