package scheduler

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/soracron/soracron/scheduler/history"
)

// Limits of GET /api/runs.
const (
	defaultRunsLimit = 50
	maxRunsLimit     = 1000
)

// Jobs returns the state of every job of the configuration, in file order.
func (s *Scheduler) Jobs(ctx context.Context) ([]JobStatus, error) {
	s.mu.Lock()
	cfg := s.cfg
	out := make([]JobStatus, 0, len(cfg.Jobs))
	var load []int // indexes of jobs whose last run is to be read
	for _, j := range cfg.Jobs {
		js := s.jobs[j.Name]
		st := JobStatus{
			Name: j.Name, Schedule: j.ScheduleSpec, Script: j.ScriptRel, Timezone: j.Location.String(),
			Enabled: j.Enabled, DryRun: j.DryRun, ConcurrencyPolicy: j.ConcurrencyPolicy,
			Timeout: j.Timeout.String(),
		}
		if js != nil {
			st.NextRun = timePtr(js.next)
			st.Running = len(js.running)
			if js.lastLoaded {
				if js.last != nil {
					st.LastRun = NewRunInfo(js.last)
				}
			} else {
				load = append(load, len(out))
			}
		}
		out = append(out, st)
	}
	s.mu.Unlock()

	for _, i := range load {
		r, err := s.store.Last(ctx, out[i].Name)
		if err != nil {
			return nil, err
		}
		s.mu.Lock()
		if js := s.jobs[out[i].Name]; js != nil && !js.lastLoaded {
			js.last, js.lastLoaded = r, true
		}
		s.mu.Unlock()
		if r != nil {
			out[i].LastRun = NewRunInfo(r)
		}
	}
	return out, nil
}

func (s *Scheduler) apiHealth(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	stopping, active, jobs := s.stopping, s.active, len(s.cfg.Jobs)
	s.mu.Unlock()
	if stopping {
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "shutting down", "running": active})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "jobs": jobs, "running": active})
}

func (s *Scheduler) apiJobs(w http.ResponseWriter, r *http.Request) {
	jobs, err := s.Jobs(r.Context())
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"jobs": jobs})
}

// jobName validates the {name} of a request path; it answers 400 and
// returns false for names no job can have.
func jobName(w http.ResponseWriter, r *http.Request) (string, bool) {
	name := r.PathValue("name")
	if !jobNameRE.MatchString(name) {
		writeError(w, http.StatusBadRequest, "invalid job name (1 to 64 letters, digits, '.', '_' or '-')")
		return "", false
	}
	return name, true
}

func (s *Scheduler) apiJob(w http.ResponseWriter, r *http.Request) {
	name, ok := jobName(w, r)
	if !ok {
		return
	}
	jobs, err := s.Jobs(r.Context())
	if err != nil {
		s.internalError(w, r, err)
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

func (s *Scheduler) apiRun(w http.ResponseWriter, r *http.Request) {
	name, ok := jobName(w, r)
	if !ok {
		return
	}
	id, err := s.Trigger(r.Context(), name)
	switch {
	case err == nil:
		writeJSON(w, http.StatusAccepted, map[string]any{"run_id": id, "job": name})
	case errors.Is(err, ErrUnknownJob):
		writeError(w, http.StatusNotFound, "no job named "+strconv.Quote(name))
	case errors.Is(err, ErrConflict):
		writeError(w, http.StatusConflict, "job "+strconv.Quote(name)+" is running and its concurrency_policy is forbid")
	case errors.Is(err, ErrShuttingDown):
		writeError(w, http.StatusServiceUnavailable, "the daemon is shutting down")
	default:
		s.internalError(w, r, err)
	}
}

func (s *Scheduler) apiRuns(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	job := q.Get("job")
	if job != "" && !jobNameRE.MatchString(job) {
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
	runs, err := s.store.List(r.Context(), job, limit)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	out := make([]*RunInfo, len(runs))
	for i := range runs {
		out[i] = NewRunInfo(&runs[i])
	}
	writeJSON(w, http.StatusOK, map[string]any{"runs": out})
}

func (s *Scheduler) apiRunGet(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		writeError(w, http.StatusBadRequest, "invalid run id (a positive integer)")
		return
	}
	run, err := s.store.Get(r.Context(), id)
	switch {
	case errors.Is(err, history.ErrNotFound):
		writeError(w, http.StatusNotFound, "no run "+strconv.FormatInt(id, 10)+" (pruned or never recorded)")
	case err != nil:
		s.internalError(w, r, err)
	default:
		writeJSON(w, http.StatusOK, NewRunInfo(run))
	}
}
