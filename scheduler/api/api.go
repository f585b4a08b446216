package api

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/soracron/soracron/jobs"
	"github.com/soracron/soracron/scheduler"
	"github.com/soracron/soracron/scheduler/history"
)

// Options configure the HTTP API.
type Options struct {
	// Token, when not empty, must be sent as "Authorization: Bearer TOKEN"
	// with every request (401 otherwise).
	Token string
	// Guard says which Host names the API answers to; see Guard.
	Guard GuardOptions
}

// JobStatus is the state of one job, as GET /api/jobs shows it.
type JobStatus struct {
	Name              string      `json:"name"`               // the job's name
	Schedule          string      `json:"schedule"`           // its schedule as written; "" when it runs on events only
	On                []string    `json:"on,omitempty"`       // the events it runs on, e.g. "connection.created channel_id=room-*"
	Script            string      `json:"script"`             // its script as written in jobs.yaml
	Timezone          string      `json:"timezone"`           // the zone of its schedule
	Enabled           bool        `json:"enabled"`            // false: never scheduled, runs on demand only
	DryRun            bool        `json:"dry_run"`            // its runs do not write to Sora
	ConcurrencyPolicy jobs.Policy `json:"concurrency_policy"` // forbid, allow or replace
	Timeout           string      `json:"timeout"`            // the bound of each run, e.g. "1m0s"
	NextRun           *time.Time  `json:"next_run"`           // null when disabled or never due again
	Running           int         `json:"running"`            // runs in progress
	LastRun           *RunInfo    `json:"last_run"`           // newest run that started; null if none
	Suspended         bool        `json:"suspended"`          // suspended through the API
	SuspendedAt       *time.Time  `json:"suspended_at"`       // since when; null unless suspended
	LastSuccess       *time.Time  `json:"last_success"`       // end of its newest ok run; null if none
}

// RunInfo is a run as the HTTP API shows it.
type RunInfo struct {
	ID              int64           `json:"id"`               // the run's id in the history
	Job             string          `json:"job"`              // the job's name
	Trigger         string          `json:"trigger"`          // schedule, manual or event
	Attempt         int             `json:"attempt"`          // 1, then 2... for retries
	Outcome         history.Outcome `json:"outcome"`          // running, ok, failed, timeout, ...
	Scheduled       *time.Time      `json:"scheduled"`        // null for manual runs
	Start           *time.Time      `json:"start"`            // when the run started
	End             *time.Time      `json:"end"`              // null while running
	DurationSeconds *float64        `json:"duration_seconds"` // null while running
	Error           string          `json:"error,omitempty"`  // why it failed, secrets redacted
	Result          json.RawMessage `json:"result"`           // the script's return value; null if none
	Calls           int             `json:"calls"`            // Sora API calls made
	CallsByAction   map[string]int  `json:"calls_by_action"`  // the calls by action (get, put_item, ...)
	Writes          int             `json:"writes"`           // writes made (or planned in a dry run)
	DryRun          bool            `json:"dry_run"`          // the run did not write to Sora
	Logs            []LogLineInfo   `json:"logs,omitempty"`   // GET /api/runs/{id} only
}

// LogLineInfo is one captured log line of a run.
type LogLineInfo struct {
	Time  *time.Time     `json:"time"`            // when it was logged
	Level string         `json:"level"`           // DEBUG, INFO, WARN or ERROR
	Msg   string         `json:"msg"`             // the message
	Attrs map[string]any `json:"attrs,omitempty"` // its attributes
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// NewRunInfo converts a history run (with its logs, if any).
func NewRunInfo(r *history.Run) *RunInfo {
	info := &RunInfo{
		ID: r.ID, Job: r.Job, Trigger: r.Trigger, Attempt: r.Attempt, Outcome: r.Outcome,
		Scheduled: timePtr(r.Scheduled), Start: timePtr(r.Start), End: timePtr(r.End),
		Error: r.Error, Result: r.Result, Calls: r.Calls, CallsByAction: r.CallsByAction,
		Writes: r.Writes, DryRun: r.DryRun,
	}
	if info.CallsByAction == nil {
		info.CallsByAction = map[string]int{}
	}
	if !r.Start.IsZero() && !r.End.IsZero() {
		d := r.End.Sub(r.Start).Seconds()
		info.DurationSeconds = &d
	}
	for _, l := range r.Logs {
		info.Logs = append(info.Logs, LogLineInfo{Time: timePtr(l.Time), Level: l.Level, Msg: l.Msg, Attrs: l.Attrs})
	}
	return info
}

// api serves the requests of one Handler.
type api struct {
	s     *scheduler.Scheduler
	store *history.Store
	log   *slog.Logger // the daemon's (secrets redacted)
}

// Handler returns the HTTP API of the daemon s:
//
//	GET  /healthz              200 {"status":"ok"} (503 while shutting down)
//	GET  /metrics              Prometheus metrics
//	GET  /api/jobs             the jobs with their next and last runs
//	GET  /api/jobs/{name}      one job
//	POST /api/jobs/{name}/run  run a job now: 202 {"run_id":N}; 404 unknown job;
//	                           409 when its policy is forbid and it is running;
//	                           optional body {"args": {...}, "dry_run": true}
//	POST /api/jobs/{name}/suspend  suspend its schedule: 200 with the job
//	POST /api/jobs/{name}/resume   resume it: 200 with the job
//	GET  /api/runs?job=&limit= runs, newest first (limit 1-1000, default 50)
//	GET  /api/runs/{id}        one run with its log lines (of this node's history)
//	GET  /api/cluster          cluster mode: this node, its session, the live
//	                           members and their runs in progress (404 otherwise)
//	POST /webhooks/sora/event  Sora's event webhook: 200 at once (the runs of
//	                           the jobs whose on: matches are queued); 503 when
//	                           the event queue is full; 401 without the Basic
//	                           authentication of event_webhook
//
// In cluster mode /healthz answers 503 {"status":"unavailable","reason":...}
// while the node holds no etcd session, and /api/runs lists the cluster's
// run records (each with the node holding its logs); ?scope=local lists
// this node's history instead.
//
// Errors are JSON objects {"error": "..."}.
func Handler(s *scheduler.Scheduler, opts Options) http.Handler {
	a := &api{s: s, store: s.History(), log: s.Logger()}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", a.health)
	mux.Handle("GET /metrics", s.Metrics().Handler())
	mux.HandleFunc("GET /api/jobs", a.jobs)
	mux.HandleFunc("GET /api/jobs/{name}", a.job)
	mux.HandleFunc("POST /api/jobs/{name}/run", a.run)
	mux.HandleFunc("POST /api/jobs/{name}/suspend", a.suspend)
	mux.HandleFunc("POST /api/jobs/{name}/resume", a.resume)
	mux.HandleFunc("GET /api/runs", a.runs)
	mux.HandleFunc("GET /api/runs/{id}", a.runGet)
	mux.HandleFunc("GET /api/cluster", a.cluster)
	mux.HandleFunc("POST "+WebhookPath, a.webhook)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { fallback(mux, w, r) })
	var h http.Handler = mux
	if opts.Token != "" {
		h = webhookBypass(s, http.HandlerFunc(a.webhook), requireToken(opts.Token, h))
	}
	return securityHeaders(Guard(h, opts.Guard))
}

// fallback answers requests no route matches: 405 when the path exists
// with another method, 404 otherwise.
func fallback(mux *http.ServeMux, w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost} {
		if m == r.Method {
			continue
		}
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := mux.Handler(probe); pattern != "" && pattern != "/" {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		writeError(w, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed; use "+strings.Join(allow, " or "))
		return
	}
	writeError(w, http.StatusNotFound, "not found")
}

// requireToken refuses requests without "Authorization: Bearer token".
func requireToken(token string, next http.Handler) http.Handler {
	// Comparing digests keeps the comparison constant-time in the token's
	// length too.
	want := sha256.Sum256([]byte(token))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme, got, ok := strings.Cut(r.Header.Get("Authorization"), " ")
		sum := sha256.Sum256([]byte(strings.TrimSpace(got)))
		if !ok || !strings.EqualFold(scheme, "Bearer") ||
			subtle.ConstantTimeCompare(sum[:], want[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="soracron"`)
			writeError(w, http.StatusUnauthorized, "missing or wrong bearer token")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// securityHeaders sets the headers every reply carries.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

// writeJSON writes v as the JSON body of a reply with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		status = http.StatusInternalServerError
		data = []byte(`{"error": "cannot encode the reply"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(data, '\n'))
}

// writeError writes {"error": msg}.
func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

// internalError logs err and answers 500 without details.
func (a *api) internalError(w http.ResponseWriter, r *http.Request, err error) {
	a.log.Error("http api error", slog.String(keyMethod, r.Method), slog.String(keyPath, r.URL.Path),
		slog.Any(keyError, err))
	writeError(w, http.StatusInternalServerError, "internal error (see the daemon's log)")
}

// Attribute keys of the API's log lines.
const (
	keyMethod = "method"
	keyPath   = "path"
	keyError  = "error"
)
