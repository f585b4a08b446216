package ui

import (
	"embed"
	"encoding/json"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/soracron/soracron/jobs"
	"github.com/soracron/soracron/scheduler"
)

//go:embed assets
var assets embed.FS

// Options configure the dashboard.
type Options struct {
	// Token, when not empty, is the API token the login form asks for.
	Token string
}

// ui serves the dashboard of one daemon.
type ui struct {
	s     *scheduler.Scheduler
	opts  Options
	pages *template.Template
	ss    sessions
	log   *slog.Logger
}

// csp allows the dashboard's own files only.
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
	"form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// Handler returns the dashboard of s, to be mounted at /ui/ (and / to
// redirect there).
func Handler(s *scheduler.Scheduler, opts Options) http.Handler {
	u := &ui{s: s, opts: opts, log: s.Logger()}
	u.pages = template.Must(template.New("").Funcs(funcs).ParseFS(assets, "assets/*.html"))
	static, _ := fs.Sub(assets, "assets")
	mux := http.NewServeMux()
	mux.Handle("GET /{$}", http.RedirectHandler("/ui/", http.StatusSeeOther))
	mux.Handle("GET /ui/static/", http.StripPrefix("/ui/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET /ui/login", u.loginPage)
	mux.HandleFunc("POST /ui/login", u.login)
	mux.HandleFunc("GET /ui/{$}", u.auth(u.jobsPage))
	mux.HandleFunc("GET /ui/jobs-table", u.auth(u.jobsTable))
	mux.HandleFunc("GET /ui/jobs/{name}", u.auth(u.jobPage))
	mux.HandleFunc("GET /ui/runs/{id}", u.auth(u.runPage))
	mux.HandleFunc("GET /ui/runs/{id}/summary", u.auth(u.runSummary))
	mux.HandleFunc("GET /ui/events", u.auth(u.events))
	mux.HandleFunc("POST /ui/jobs/{name}/run", u.auth(u.csrf(u.runNow)))
	mux.HandleFunc("POST /ui/jobs/{name}/suspend", u.auth(u.csrf(u.suspend(true))))
	mux.HandleFunc("POST /ui/jobs/{name}/resume", u.auth(u.csrf(u.suspend(false))))
	return headers(mux)
}

// headers sets the security headers of every reply.
func headers(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

// auth requires a session: with a token, one made by the login form
// (else a redirect to it, or 401 for scripts); without, one is made.
func (u *ui) auth(next func(http.ResponseWriter, *http.Request, *session)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s := u.ss.get(r)
		if s == nil {
			if u.opts.Token != "" {
				if r.Method == http.MethodGet && !strings.HasPrefix(r.URL.Path, "/ui/events") {
					http.Redirect(w, r, "/ui/login?next="+urlQueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
					return
				}
				http.Error(w, "log in first (/ui/login)", http.StatusUnauthorized)
				return
			}
			if r.Method != http.MethodGet {
				http.Error(w, "no session: reload the page", http.StatusForbidden)
				return
			}
			s = u.ss.create(w, r)
		}
		next(w, r, s)
	}
}

// csrf refuses POSTs without the session's CSRF token.
func (u *ui) csrf(next func(http.ResponseWriter, *http.Request, *session)) func(http.ResponseWriter, *http.Request, *session) {
	return func(w http.ResponseWriter, r *http.Request, s *session) {
		r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
		if !validCSRF(s, r) {
			http.Error(w, "missing or wrong CSRF token: reload the page", http.StatusForbidden)
			return
		}
		next(w, r, s)
	}
}

func (u *ui) loginPage(w http.ResponseWriter, r *http.Request) {
	if u.opts.Token == "" {
		http.Redirect(w, r, "/ui/", http.StatusSeeOther)
		return
	}
	u.render(w, "login.html", map[string]any{"Next": safeNext(r.URL.Query().Get("next")), "Error": ""})
}

func (u *ui) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	next := safeNext(r.PostFormValue("next"))
	if u.opts.Token == "" {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	if !validToken(strings.TrimSpace(r.PostFormValue("token")), u.opts.Token) {
		w.WriteHeader(http.StatusUnauthorized)
		u.render(w, "login.html", map[string]any{"Next": next, "Error": "wrong token"})
		return
	}
	u.ss.create(w, r)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// safeNext keeps redirects inside the dashboard.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/ui/") || strings.HasPrefix(next, "//") || strings.Contains(next, "\\") {
		return "/ui/"
	}
	return next
}

func (u *ui) render(w http.ResponseWriter, name string, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := u.pages.ExecuteTemplate(w, name, data); err != nil {
		u.log.Error("dashboard: render", slog.String("page", name), slog.Any("error", err))
	}
}

// runNow starts a run: body {"args": {...}, "dry_run": bool} (JSON).
func (u *ui) runNow(w http.ResponseWriter, r *http.Request, _ *session) {
	name := r.PathValue("name")
	opts, err := scheduler.DecodeTriggerOptions(r.Body) // as the API's run reads it
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	id, err := u.s.TriggerWith(r.Context(), name, opts)
	switch {
	case err == nil:
		writeJSON(w, http.StatusAccepted, map[string]any{"run_id": id})
	case errors.Is(err, scheduler.ErrUnknownJob):
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no job named " + strconv.Quote(name)})
	case errors.Is(err, scheduler.ErrConflict):
		writeJSON(w, http.StatusConflict, map[string]string{"error": "the job is running and its concurrency_policy is forbid"})
	default:
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": err.Error()})
	}
}

func (u *ui) suspend(on bool) func(http.ResponseWriter, *http.Request, *session) {
	return func(w http.ResponseWriter, r *http.Request, _ *session) {
		name := r.PathValue("name")
		if !jobs.ValidName(name) {
			http.Error(w, "invalid job name", http.StatusBadRequest)
			return
		}
		var err error
		if on {
			err = u.s.Suspend(r.Context(), name)
		} else {
			err = u.s.Resume(r.Context(), name)
		}
		switch {
		case errors.Is(err, scheduler.ErrUnknownJob):
			http.Error(w, "no job named "+strconv.Quote(name), http.StatusNotFound)
		case err != nil:
			u.log.Error("dashboard: suspend", slog.Any("error", err))
			http.Error(w, "internal error (see the daemon's log)", http.StatusInternalServerError)
		default:
			http.Redirect(w, r, safeNext(r.PostFormValue("next")), http.StatusSeeOther)
		}
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
