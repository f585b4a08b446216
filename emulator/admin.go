package emulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// Admin API (all JSON; errors are {"error_type","message"}):
//
//	POST   /emulator/connections                 {channel_id, connection_id?, client_id?, bundle_id?, role?, metadata?} -> 201 connection
//	GET    /emulator/connections[?channel=ID]     -> 200 [connection]
//	DELETE /emulator/connections/{channel}/{id}   -> 204, or 404
//	POST   /emulator/connections/{channel}/{id}/updated -> 204 (sends connection.updated), or 404
//	POST   /emulator/generate                    {channel_id, count} -> 201 {channel_id, connection_ids}
//	GET    /emulator/deliveries[?channel=ID]      -> 200 [delivery]
//	GET    /emulator/events[?channel=ID]          -> NDJSON stream of deliveries (SSE with Accept: text/event-stream)
//	GET    /emulator/state                       -> 200 {channels, events}
//	POST   /emulator/reset                       -> 204
//	GET    /emulator/faults                      -> 200 {seed, rules, injected}
//	PUT    /emulator/faults                      {seed, rules} -> 200 {seed, rules, injected}
//	DELETE /emulator/faults                      -> 204 (no more faults)

// Error types of the admin API.
const (
	ErrNotFound   = "not_found"
	ErrBadRequest = "bad_request"
	ErrConflict   = "conflict"
)

// maxGenerate bounds one generate request.
const maxGenerate = 1000000

func (e *Emulator) newAdminMux() *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("POST /emulator/connections", e.adminAdd)
	m.HandleFunc("GET /emulator/connections", e.adminList)
	m.HandleFunc("DELETE /emulator/connections/{channel_id}/{connection_id}", e.adminRemove)
	m.HandleFunc("POST /emulator/connections/{channel_id}/{connection_id}/updated", e.adminUpdated)
	m.HandleFunc("POST /emulator/generate", e.adminGenerate)
	m.HandleFunc("GET /emulator/deliveries", e.adminDeliveries)
	m.HandleFunc("GET /emulator/events", e.adminEvents)
	m.HandleFunc("GET /emulator/state", e.adminState)
	m.HandleFunc("POST /emulator/reset", e.adminReset)
	m.HandleFunc("GET /emulator/faults", e.adminFaultsGet)
	m.HandleFunc("PUT /emulator/faults", e.adminFaultsPut)
	m.HandleFunc("DELETE /emulator/faults", e.adminFaultsDelete)
	m.HandleFunc("/", e.adminFallback)
	return m
}

// adminAllow lists the methods of each admin path, for 405 replies.
func adminAllow(path string) string {
	switch {
	case path == "/emulator/connections":
		return "GET, POST"
	case strings.HasPrefix(path, "/emulator/connections/") && strings.Count(path, "/") == 4:
		return "DELETE"
	case strings.HasPrefix(path, "/emulator/connections/") && strings.HasSuffix(path, "/updated") && strings.Count(path, "/") == 5:
		return "POST"
	case path == "/emulator/generate", path == "/emulator/reset":
		return "POST"
	case path == "/emulator/deliveries", path == "/emulator/events", path == "/emulator/state":
		return "GET"
	case path == "/emulator/faults":
		return "GET, PUT, DELETE"
	}
	return ""
}

func (e *Emulator) adminFallback(w http.ResponseWriter, r *http.Request) {
	if allow := adminAllow(r.URL.Path); allow != "" {
		w.Header().Set("Allow", allow)
		e.writeError(w, http.StatusMethodNotAllowed, ErrMethodNotAllowed,
			fmt.Sprintf("method %s is not allowed on %s (allowed: %s)", r.Method, r.URL.Path, allow))
		return
	}
	e.writeError(w, http.StatusNotFound, ErrNotFound,
		fmt.Sprintf("no such endpoint %s %s: the Sora API is POST / and the admin API is under /emulator/", r.Method, r.URL.Path))
}

// writeValue writes v as JSON.
func (e *Emulator) writeValue(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		e.writeError(w, http.StatusInternalServerError, "internal", "encode reply: "+err.Error())
		return
	}
	e.writeJSON(w, status, buf.Bytes())
}

// decodeAdmin decodes a JSON request body strictly into v. A body cut
// short says so in words rather than as a bare EOF.
func decodeAdmin(r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, maxBodyBytes))
	dec.UseNumber()
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		switch {
		case errors.Is(err, io.EOF):
			return errors.New("invalid body: empty, want a JSON object")
		case errors.Is(err, io.ErrUnexpectedEOF):
			return errors.New("invalid body: unexpected EOF: the JSON ended before the value was complete")
		}
		return fmt.Errorf("invalid body: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("invalid body: more than one JSON value")
	}
	return nil
}

// connInput is the body of POST /emulator/connections.
type connInput struct {
	ChannelID    string         `json:"channel_id"`
	ConnectionID string         `json:"connection_id"`
	ClientID     string         `json:"client_id"`
	BundleID     string         `json:"bundle_id"`
	Role         string         `json:"role"`
	Metadata     map[string]any `json:"metadata"`
}

func (e *Emulator) adminAdd(w http.ResponseWriter, r *http.Request) {
	var in connInput
	if err := decodeAdmin(r, &in); err != nil {
		e.writeError(w, http.StatusBadRequest, ErrBadRequest, err.Error())
		return
	}
	c, err := e.AddConnection(Connection{
		ChannelID: in.ChannelID, ConnectionID: in.ConnectionID, ClientID: in.ClientID,
		BundleID: in.BundleID, Role: in.Role, Metadata: in.Metadata,
	})
	switch {
	case errors.Is(err, ErrConnectionExists):
		e.writeError(w, http.StatusConflict, ErrConflict, err.Error())
	case err != nil:
		e.writeError(w, http.StatusBadRequest, ErrBadRequest, err.Error())
	default:
		e.log.Info("connection added", "channel_id", c.ChannelID, "connection_id", c.ConnectionID)
		e.writeValue(w, http.StatusCreated, c)
	}
}

func (e *Emulator) adminList(w http.ResponseWriter, r *http.Request) {
	e.writeValue(w, http.StatusOK, e.Connections(r.URL.Query().Get("channel")))
}

func (e *Emulator) adminRemove(w http.ResponseWriter, r *http.Request) {
	ch, id := r.PathValue("channel_id"), r.PathValue("connection_id")
	if !e.RemoveConnection(ch, id) {
		e.writeError(w, http.StatusNotFound, ErrConnectionNotFound,
			fmt.Sprintf("connection %q is not connected in channel %q", id, ch))
		return
	}
	e.log.Info("connection removed", "channel_id", ch, "connection_id", id)
	w.WriteHeader(http.StatusNoContent)
}

func (e *Emulator) adminUpdated(w http.ResponseWriter, r *http.Request) {
	ch, id := r.PathValue("channel_id"), r.PathValue("connection_id")
	if err := e.ConnectionUpdated(ch, id); err != nil {
		e.writeError(w, http.StatusNotFound, ErrConnectionNotFound,
			fmt.Sprintf("connection %q is not connected in channel %q", id, ch))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (e *Emulator) adminGenerate(w http.ResponseWriter, r *http.Request) {
	var in struct {
		ChannelID string `json:"channel_id"`
		Count     int    `json:"count"`
	}
	if err := decodeAdmin(r, &in); err != nil {
		e.writeError(w, http.StatusBadRequest, ErrBadRequest, err.Error())
		return
	}
	if in.ChannelID == "" || in.Count < 1 || in.Count > maxGenerate {
		e.writeError(w, http.StatusBadRequest, ErrBadRequest,
			fmt.Sprintf("want a non-empty channel_id and a count from 1 to %d", maxGenerate))
		return
	}
	ids := e.Generate(in.ChannelID, in.Count)
	e.log.Info("connections generated", "channel_id", in.ChannelID, "count", in.Count)
	e.writeValue(w, http.StatusCreated, map[string]any{"channel_id": in.ChannelID, "connection_ids": ids})
}

func (e *Emulator) adminDeliveries(w http.ResponseWriter, r *http.Request) {
	e.writeValue(w, http.StatusOK, e.Deliveries(r.URL.Query().Get("channel")))
}

func (e *Emulator) adminState(w http.ResponseWriter, _ *http.Request) {
	channels := e.Channels()
	if channels == nil {
		channels = []ChannelInfo{}
	}
	e.writeValue(w, http.StatusOK, map[string]any{"channels": channels, "events": e.EventStats(), "webhook": e.WebhookStats()})
}

func (e *Emulator) adminReset(w http.ResponseWriter, _ *http.Request) {
	e.Reset()
	e.log.Info("emulator reset")
	w.WriteHeader(http.StatusNoContent)
}

// adminEvents streams deliveries made from now on until the client goes
// away or the server closes: one JSON delivery per line (NDJSON), or
// server-sent events when the client accepts text/event-stream.
func (e *Emulator) adminEvents(w http.ResponseWriter, r *http.Request) {
	sse := strings.Contains(r.Header.Get("Accept"), "text/event-stream")
	rc := http.NewResponseController(w)
	sub, cancel := e.Subscribe(r.URL.Query().Get("channel"))
	defer cancel()
	h := w.Header()
	if sse {
		h.Set("Content-Type", "text/event-stream")
	} else {
		h.Set("Content-Type", "application/x-ndjson")
	}
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	// Flushing the headers tells the client the subscription is live.
	if err := rc.Flush(); err != nil {
		return
	}
	var buf []byte
	for {
		select {
		case <-r.Context().Done():
			return
		case d, ok := <-sub:
			if !ok {
				return
			}
			line, err := json.Marshal(d)
			if err != nil {
				return
			}
			buf = buf[:0]
			if sse {
				buf = append(buf, "id: "...)
				buf = strconv.AppendUint(buf, d.Seq, 10)
				buf = append(buf, "\nevent: delivery\ndata: "...)
				buf = append(buf, line...)
				buf = append(buf, "\n\n"...)
			} else {
				buf = append(buf, line...)
				buf = append(buf, '\n')
			}
			if _, err := w.Write(buf); err != nil {
				return
			}
			if err := rc.Flush(); err != nil {
				return
			}
		}
	}
}
