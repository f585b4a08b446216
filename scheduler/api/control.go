package api

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/soracron/soracron/scheduler"
)

// RunRequest is the optional JSON body of POST /api/jobs/{name}/run,
// {"args": {...}, "dry_run": true|false}: the run's options, as
// scheduler.DecodeTriggerOptions reads them.
type RunRequest = scheduler.TriggerOptions

// suspend and resume answer POST /api/jobs/{name}/suspend and /resume
// with the job's new state.
func (a *api) suspend(w http.ResponseWriter, r *http.Request) { a.setSuspended(w, r, true) }
func (a *api) resume(w http.ResponseWriter, r *http.Request)  { a.setSuspended(w, r, false) }

func (a *api) setSuspended(w http.ResponseWriter, r *http.Request, on bool) {
	name, ok := jobName(w, r)
	if !ok {
		return
	}
	var err error
	if on {
		err = a.s.Suspend(r.Context(), name)
	} else {
		err = a.s.Resume(r.Context(), name)
	}
	switch {
	case errors.Is(err, scheduler.ErrUnknownJob):
		writeError(w, http.StatusNotFound, "no job named "+strconv.Quote(name))
		return
	case err != nil:
		a.internalError(w, r, err)
		return
	}
	a.job(w, r)
}

// PublicHealth answers GET /healthz for callers without the token (probes):
// {"status":"ok"} with 200, or {"status":"shutting down"} or (a cluster
// replica without its etcd session) {"status":"unavailable"} with 503, and
// nothing else about the daemon.
func PublicHealth(s *scheduler.Scheduler) http.Handler {
	return securityHeaders(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		switch h := s.Health(); {
		case h.ShuttingDown:
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "shutting down"})
			return
		case h.Unavailable != "":
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable"})
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	}))
}
