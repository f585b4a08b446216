// Package ui is the web dashboard of soracron's daemon, served by `serve`
// on its --listen address under /ui/ from files embedded in the binary
// (html/template, one stylesheet, one script; no build step, no CDN).
//
// Pages: the jobs (/ui/), a job with its runs (/ui/jobs/NAME, filtered by
// outcome, paged), a run with its logs, result, calls and error
// (/ui/runs/ID). Run now (arguments as a JSON object, dry-run toggle) and
// suspend/resume are POSTs. The jobs page and a running run's page update
// live from Server-Sent Events (/ui/events), fed by the scheduler's
// Subscribe.
//
// Security: with a token (a non-loopback --listen), /ui/login exchanges it
// for a session cookie (HttpOnly, SameSite=Strict, Secure over TLS). Every
// browser gets a session (without a token, on its first visit), and every
// POST must carry the session's CSRF token (form field "csrf" or header
// X-CSRF-Token), or gets 403. Every reply carries a Content-Security-Policy
// that allows only the dashboard's own script and stylesheet (no inline
// script or style), and frames are refused.
package ui
