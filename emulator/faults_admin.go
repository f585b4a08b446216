package emulator

import (
	"net/http"

	"github.com/soracron/soracron/emulator/faults"
)

// faultsReply is the body of GET and PUT /emulator/faults.
func (e *Emulator) faultsReply() faults.Reply {
	f := e.Faults()
	if f.Rules == nil {
		f.Rules = []FaultRule{}
	}
	return faults.Reply{Set: f, Injected: e.FaultStats()}
}

func (e *Emulator) adminFaultsGet(w http.ResponseWriter, _ *http.Request) {
	e.writeValue(w, http.StatusOK, e.faultsReply())
}

func (e *Emulator) adminFaultsPut(w http.ResponseWriter, r *http.Request) {
	var in faults.Input
	if err := decodeAdmin(r, &in); err != nil {
		e.writeError(w, http.StatusBadRequest, ErrBadRequest, err.Error())
		return
	}
	f, err := in.Faults()
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
	e.faults.Clear()
	e.log.Info("faults removed")
	w.WriteHeader(http.StatusNoContent)
}
