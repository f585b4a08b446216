package emulator

import (
	"fmt"
	"log/slog"
	"net/http"

	"github.com/soracron/soracron/emulator/target"

	"github.com/soracron/soracron/emulator/internal/jsonscan"
)

// Error types of the emulator's replies (the reference's error table, plus
// request_too_large for bodies over 32 MiB and the admin API's own).
const (
	ErrUnknownTarget      = "unknown_target"
	ErrInvalidJSON        = "invalid_json"
	ErrInvalidParams      = "invalid_params"
	ErrConnectionNotFound = "connection_not_found"
	ErrMethodNotAllowed   = "method_not_allowed"
	ErrRequestTooLarge    = "request_too_large"
)

// apiError is an error reply of the Sora API.
type apiError struct {
	status   int
	typ, msg string
}

func paramErr(format string, args ...any) *apiError {
	return &apiError{http.StatusBadRequest, ErrInvalidParams, fmt.Sprintf(format, args...)}
}

func notFound(channelID, connectionID string) *apiError {
	return &apiError{http.StatusBadRequest, ErrConnectionNotFound,
		fmt.Sprintf("connection %q is not connected in channel %q", connectionID, channelID)}
}

// dispatch runs the action of a known target; it returns the 200 reply body
// or an error. (Direct calls, not a table of funcs, keep f on the stack.)
func (e *Emulator) dispatch(t *target.Row, f *reqFields) ([]byte, *apiError) {
	switch t.Act {
	case target.ActList:
		return e.list(f)
	case target.ActGet:
		return e.get(f)
	case target.ActPut:
		return e.put(f)
	case target.ActDelete:
		return e.delete(f)
	case target.ActPutItem:
		return e.putItem(f)
	case target.ActDeleteItem:
		return e.deleteItem(f)
	case target.ActListConnections:
		return e.listConnections(f)
	case target.ActListChannels:
		return e.listChannels(f)
	case target.ActListChannelConnections:
		return e.listChannelConnections(f)
	case target.ActPushChannel:
		return e.pushChannel(f)
	case target.ActPushConnection:
		return e.pushConnection(f)
	case target.ActPushClient:
		return e.pushClient(f)
	case target.ActPushChannelByRole:
		return e.pushChannelByRole(f)
	case target.ActDisconnectConnection:
		return e.disconnectConnection(f)
	case target.ActDisconnectClient:
		return e.disconnectClient(f)
	case target.ActDisconnectChannel:
		return e.disconnectChannel(f)
	case target.ActDisconnectChannelByRole:
		return e.disconnectChannelByRole(f)
	}
	return nil, &apiError{http.StatusBadRequest, ErrUnknownTarget, fmt.Sprintf("unknown x-sora-target %q", t.Name)}
}

// serveAPI serves `POST /` and `OPTIONS /`.
func (e *Emulator) serveAPI(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodPost:
	case http.MethodOptions:
		w.Header()["Content-Length"] = []string{"0"}
		w.WriteHeader(http.StatusOK)
		return
	default:
		w.Header()["Allow"] = []string{"POST, OPTIONS"}
		e.apiFail(w, r, "", &apiError{http.StatusMethodNotAllowed, ErrMethodNotAllowed,
			fmt.Sprintf("method %s is not allowed: the Sora API takes POST", r.Method)})
		return
	}
	var name string
	if v := r.Header["X-Sora-Target"]; len(v) > 0 {
		name = v[0]
	}
	t := target.Lookup(name)
	if t == nil {
		msg := "missing x-sora-target header"
		if name != "" {
			msg = fmt.Sprintf("unknown x-sora-target %q", name)
		}
		e.apiFail(w, r, name, &apiError{http.StatusBadRequest, ErrUnknownTarget, msg})
		return
	}
	buf, err := e.readBody(r)
	defer e.putBuf(buf)
	body := buf.Bytes()
	switch {
	case err != nil:
		e.apiFail(w, r, name, &apiError{http.StatusBadRequest, ErrInvalidJSON, "cannot read body: " + err.Error()})
		return
	case len(body) > maxBodyBytes:
		e.apiFail(w, r, name, &apiError{http.StatusRequestEntityTooLarge, ErrRequestTooLarge,
			fmt.Sprintf("body over %d bytes", maxBodyBytes)})
		return
	}
	var dropAfter bool
	if e.faults.Active() {
		var answered bool
		if answered, dropAfter = e.injectFault(w, r, name, body); answered {
			return
		}
	}
	if t.NoBody && len(body) == 0 {
		// Shiguredo's tools send no body at all to a target without
		// parameters (JSON.stringify of nothing); Sora takes it as {}.
		body = append(body, '{', '}')
	}
	var f reqFields
	if !parseRequest(body, &f) {
		e.apiFail(w, r, name, &apiError{http.StatusBadRequest, ErrInvalidJSON, "body is not a JSON object"})
		return
	}
	out, aerr := e.dispatch(t, &f)
	if aerr != nil {
		e.apiFail(w, r, name, aerr)
		return
	}
	if dropAfter {
		e.faults.DropReply(w)
		return
	}
	e.writeJSON(w, http.StatusOK, out)
	if e.log.Enabled(r.Context(), slog.LevelDebug) {
		e.log.Debug("api request", "target", name, "status", http.StatusOK)
	}
}

func (e *Emulator) apiFail(w http.ResponseWriter, r *http.Request, name string, ae *apiError) {
	e.writeError(w, ae.status, ae.typ, ae.msg)
	if e.log.Enabled(r.Context(), slog.LevelDebug) {
		e.log.Debug("api request", "target", name, "status", ae.status, "error_type", ae.typ, "message", ae.msg)
	}
}

// Parameter checks. Each names the key it checks.

func needString(raw []byte, key string) (string, *apiError) {
	if raw == nil {
		return "", paramErr("missing key %q", key)
	}
	s, ok := jsonscan.DecodeString(raw)
	if !ok {
		return "", paramErr("key %q must be a string, got %s", key, jsonscan.Kind(raw))
	}
	return s, nil
}

func needObject(raw []byte, key string) ([]byte, *apiError) {
	if raw == nil {
		return nil, paramErr("missing key %q", key)
	}
	if raw[0] != '{' {
		return nil, paramErr("key %q must be an object, got %s", key, jsonscan.Kind(raw))
	}
	return raw, nil
}

// optReason checks the optional reason of the Disconnect targets: an
// object such as {"type": "normal"}, as Shiguredo's tools send it.
func optReason(raw []byte) *apiError {
	if raw == nil || raw[0] == '{' {
		return nil
	}
	return paramErr(`key "reason" must be an object such as {"type": "normal"}, got %s`, jsonscan.Kind(raw))
}

func optBool(raw []byte, key string) (bool, *apiError) {
	switch string(raw) {
	case "":
		return false, nil
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, paramErr("key %q must be a boolean, got %s", key, jsonscan.Kind(raw))
}

// needRole reads a role: sendrecv, sendonly or recvonly.
func needRole(raw []byte) (string, *apiError) {
	role, err := needString(raw, "role")
	if err != nil {
		return "", err
	}
	switch role {
	case RoleSendRecv, RoleSendOnly, RoleRecvOnly:
		return role, nil
	}
	return "", paramErr("key %q must be sendrecv, sendonly or recvonly, got %q", "role", role)
}

// connIDs reads channel_id and connection_id.
func connIDs(f *reqFields) (string, string, *apiError) {
	ch, err := needString(f.channelID, "channel_id")
	if err != nil {
		return "", "", err
	}
	id, err := needString(f.connectionID, "connection_id")
	return ch, id, err
}

// find returns a connection and the channel's connection ids.
func (e *Emulator) find(channelID, connectionID string) (*conn, []string, *apiError) {
	c, ids := e.lookup(channelID, connectionID)
	if c == nil {
		return nil, nil, notFound(channelID, connectionID)
	}
	return c, ids, nil
}
