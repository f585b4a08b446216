package api

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/soracron/soracron/jobs"
	"github.com/soracron/soracron/scheduler"
	"github.com/soracron/soracron/scheduler/history"
)

// Limits of GET /api/runs.
const (
	defaultRunsLimit = 50
	maxRunsLimit     = 1000
)

// jobStatus converts the state of a job.
func jobStatus(st scheduler.JobState) JobStatus {
	j := st.Job
	out := JobStatus{
		Name: j.Name, Schedule: j.ScheduleSpec, Script: j.ScriptRel, Timezone: j.Location.String(),
		Enabled: j.Enabled, DryRun: j.DryRun, ConcurrencyPolicy: j.ConcurrencyPolicy,
		Timeout: j.Timeout.String(), NextRun: timePtr(st.Next), Running: st.Running,
		Suspended: st.Suspended, SuspendedAt: timePtr(st.SuspendedAt), LastSuccess: timePtr(st.LastSuccess),
	}
	for _, t := range j.On {
		out.On = append(out.On, t.String())
	}
	if st.Last != nil {
		out.LastRun = NewRunInfo(st.Last)
	}
	return out
}

// jobStatuses returns the state of every job, in file order.
func (a *api) jobStatuses(ctx context.Context) ([]JobStatus, error) {
	states, err := a.s.Jobs(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]JobStatus, len(states))
	for i, st := range states {
		out[i] = jobStatus(st)
	}
	return out, nil
}

func (a *api) health(w http.ResponseWriter, _ *http.Request) {
	h := a.s.Health()
	if h.ShuttingDown {
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "shutting down", "running": h.Running})
		return
	}
	if h.Unavailable != "" {
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "unavailable", "reason": h.Unavailable,
			"running": h.Running})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "jobs": h.Jobs, "running": h.Running})
}

func (a *api) jobs(w http.ResponseWriter, r *http.Request) {
	jobs, err := a.jobStatuses(r.Context())
	if err != nil {
		a.internalError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"jobs": jobs})
}

// jobName validates the {name} of a request path; it answers 400 and
// returns false for names no job can have.
func jobName(w http.ResponseWriter, r *http.Request) (string, bool) {
	name := r.PathValue("name")
	if !jobs.ValidName(name) {
		writeError(w, http.StatusBadRequest, "invalid job name (1 to 64 letters, digits, '.', '_' or '-')")
		return "", false
	}
	return name, true
}

func (a *api) job(w http.ResponseWriter, r *http.Request) {
	name, ok := jobName(w, r)
	if !ok {
		return
	}
	jobs, err := a.jobStatuses(r.Context())
	if err != nil {
		a.internalError(w, r, err)
		return
	}
	for _, j := range jobs {
		if j.Name == name {
			writeJSON(w, http.StatusOK, j)
			return
		}
	}
	writeError(w, http.StatusNotFound, "no job named "+strconv.Quote(name))
}

func (a *api) run(w http.ResponseWriter, r *http.Request) {
	name, ok := jobName(w, r)
	if !ok {
		return
	}
	opts, err := scheduler.DecodeTriggerOptions(r.Body)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	id, err := a.s.TriggerWith(r.Context(), name, opts)
	switch {
	case err == nil:
		writeJSON(w, http.StatusAccepted, map[string]any{"run_id": id, "job": name})
	case errors.Is(err, scheduler.ErrUnknownJob):
		writeError(w, http.StatusNotFound, "no job named "+strconv.Quote(name))
	case errors.Is(err, scheduler.ErrConflict):
		msg := "job " + strconv.Quote(name) + " is running and its concurrency_policy is forbid"
		if a.s.Cluster() != nil {
			msg = err.Error()
		}
		writeError(w, http.StatusConflict, msg)
	case errors.Is(err, scheduler.ErrShuttingDown):
		writeError(w, http.StatusServiceUnavailable, "the daemon is shutting down")
	case errors.Is(err, scheduler.ErrUnavailable):
		writeError(w, http.StatusServiceUnavailable, err.Error())
	case errors.Is(err, scheduler.ErrNotRecorded):
		writeError(w, http.StatusServiceUnavailable, err.Error())
	default:
		a.internalError(w, r, err)
	}
}

func (a *api) runs(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	job := q.Get("job")
	if job != "" && !jobs.ValidName(job) {
		writeError(w, http.StatusBadRequest, "invalid job name (1 to 64 letters, digits, '.', '_' or '-')")
		return
	}
	limit := defaultRunsLimit
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxRunsLimit {
			writeError(w, http.StatusBadRequest, "limit must be an integer from 1 to "+strconv.Itoa(maxRunsLimit))
			return
		}
		limit = n
	}
	if cl := a.s.Cluster(); cl != nil && q.Get("scope") != "local" {
		a.clusterRuns(w, r, cl, job, limit)
		return
	}
	var before int64
	if v := q.Get("before"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			writeError(w, http.StatusBadRequest, "before must be a run id (a positive integer)")
			return
		}
		before = n
	}
	runs, more, err := a.store.ListPage(r.Context(), history.Page{Job: job, Before: before, Limit: limit, MaxBytes: MaxRunsBytes})
	if err != nil {
		a.internalError(w, r, err)
		return
	}
	out := make([]*RunInfo, len(runs))
	for i := range runs {
		out[i] = NewRunInfo(&runs[i])
	}
	reply := map[string]any{"runs": out}
	if more && len(runs) > 0 {
		next := url.Values{"before": {strconv.FormatInt(runs[len(runs)-1].ID, 10)}, "limit": {strconv.Itoa(limit)}}
		if job != "" {
			next.Set("job", job)
		}
		if q.Get("scope") != "" {
			next.Set("scope", q.Get("scope"))
		}
		reply["next"] = "/api/runs?" + next.Encode()
	}
	writeJSON(w, http.StatusOK, reply)
}

// MaxRunsBytes is the byte budget of one GET /api/runs reply (errors and
// results, each already capped at 64 KiB, plus about 512 bytes a run):
// a page ends early once it is reached, with "next" to the following page.
const MaxRunsBytes = 1 << 20

func (a *api) runGet(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		writeError(w, http.StatusBadRequest, "invalid run id (a positive integer)")
		return
	}
	run, err := a.store.Get(r.Context(), id)
	switch {
	case errors.Is(err, history.ErrNotFound):
		writeError(w, http.StatusNotFound, "no run "+strconv.FormatInt(id, 10)+" (pruned or never recorded)")
	case err != nil:
		a.internalError(w, r, err)
	default:
		writeJSON(w, http.StatusOK, NewRunInfo(run))
	}
}
