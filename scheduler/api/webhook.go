package api

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"

	"github.com/soracron/soracron/scheduler"
)

// WebhookPath is where the daemon receives Sora's event webhook.
const WebhookPath = "/webhooks/sora/event"

// maxEventBytes caps the body of an event webhook.
const maxEventBytes = 1 << 20

// webhook serves POST /webhooks/sora/event: Sora's event webhook (set
// Sora's event_webhook_url to it). The event is queued and answered at once
// (Sora times webhooks out): 200 {"status":"accepted"} (or "duplicate" for
// an event received before); 503 when the event queue is full, or in
// cluster mode while the replica has no etcd session, so that Sora's side
// logs the failure (or a load balancer tries another replica); 400 for a body that is not a JSON object;
// 401 without the Basic authentication of event_webhook; 415 unless the
// content type is application/json (as Sora sends it), which a web page
// cannot send to another site without a CORS preflight, so no page can
// start runs by posting a form to a daemon on loopback.
func (a *api) webhook(w http.ResponseWriter, r *http.Request) {
	cfg := a.s.EventWebhook()
	if cfg.Username != "" && !basicAuthOK(r, cfg.Username, cfg.Password) {
		w.Header().Set("WWW-Authenticate", `Basic realm="soracron event webhook"`)
		writeError(w, http.StatusUnauthorized, "missing or wrong basic authentication (event_webhook.username/password)")
		return
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		writeError(w, http.StatusUnsupportedMediaType, "content-type must be application/json (Sora's event webhook sends it)")
		return
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, maxEventBytes+1))
	if err != nil {
		writeError(w, http.StatusBadRequest, "cannot read the body: "+err.Error())
		return
	}
	if len(data) > maxEventBytes {
		writeError(w, http.StatusRequestEntityTooLarge, "event over 1 MiB")
		return
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var fields map[string]any
	if err := dec.Decode(&fields); err != nil || fields == nil {
		msg := "the body must be a JSON object (an event of Sora's event webhook)"
		switch {
		case errors.Is(err, io.EOF):
			msg += ": the body is empty"
		case errors.Is(err, io.ErrUnexpectedEOF):
			msg += ": the JSON ended before the object was complete"
		}
		writeError(w, http.StatusBadRequest, msg)
		return
	}
	str := func(k string) string { v, _ := fields[k].(string); return v }
	ev := scheduler.Event{Fields: fields, Type: str("type"), ChannelID: str("channel_id"),
		ConnectionID: str("connection_id"), Role: str("role"), ID: str("id"), Timestamp: str("timestamp")}
	if ev.Type == "" {
		ev.Type = r.Header.Get("sora-event-webhook-type")
		fields["type"] = ev.Type
	}
	if ev.ConnectionID == "" {
		ev.ConnectionID = r.Header.Get("sora-connection-id")
	}
	if ev.Type == "" {
		writeError(w, http.StatusBadRequest, "no event type: neither a \"type\" field nor a sora-event-webhook-type header")
		return
	}
	switch err := a.s.Event(ev); {
	case errors.Is(err, scheduler.ErrDuplicateEvent):
		writeJSON(w, http.StatusOK, map[string]string{"status": "duplicate"})
	case errors.Is(err, scheduler.ErrEventQueueFull), errors.Is(err, scheduler.ErrUnavailable):
		w.Header().Set("Retry-After", "1")
		writeError(w, http.StatusServiceUnavailable, err.Error())
	case err != nil:
		a.internalError(w, r, err)
	default:
		writeJSON(w, http.StatusOK, map[string]string{"status": "accepted"})
	}
}

// basicAuthOK compares the request's Basic authentication with user and
// pass in constant time.
func basicAuthOK(r *http.Request, user, pass string) bool {
	u, p, ok := r.BasicAuth()
	if !ok {
		return false
	}
	gotU, wantU := sha256.Sum256([]byte(u)), sha256.Sum256([]byte(user))
	gotP, wantP := sha256.Sum256([]byte(p)), sha256.Sum256([]byte(pass))
	return subtle.ConstantTimeCompare(gotU[:], wantU[:])&subtle.ConstantTimeCompare(gotP[:], wantP[:]) == 1
}

// webhookBypass routes the event webhook around the bearer token when it has
// Basic authentication of its own (Sora cannot send the token).
func webhookBypass(s *scheduler.Scheduler, webhook, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == WebhookPath && s.EventWebhook().Username != "" {
			webhook.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}
