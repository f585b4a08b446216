package emulator

import (
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
)

// Targets served on `POST /`. A target matches only with its exact version
// prefix; anything else is unknown_target.
const (
	TargetList                   = "Sora_20201124.ListSignalingNotifyMetadata"
	TargetGet                    = "Sora_20201124.GetSignalingNotifyMetadata"
	TargetPut                    = "Sora_20201124.PutSignalingNotifyMetadata"
	TargetDelete                 = "Sora_20201124.DeleteSignalingNotifyMetadata"
	TargetPutItem                = "Sora_20201124.PutSignalingNotifyMetadataItem"
	TargetDeleteItem             = "Sora_20201124.DeleteSignalingNotifyMetadataItem"
	TargetListChannels           = "Sora_20201013.ListChannels"
	TargetListChannelConnections = "Sora_20201013.ListChannelConnections"
	TargetPushChannel            = "Sora_20160711.PushChannel"
	TargetPushConnection         = "Sora_20160711.PushConnection"
	TargetDisconnectConnection   = "Sora_20151104.DisconnectConnection"
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

func knownTarget(target string) bool {
	switch target {
	case TargetList, TargetGet, TargetPut, TargetDelete, TargetPutItem, TargetDeleteItem,
		TargetListChannels, TargetListChannelConnections, TargetPushChannel, TargetPushConnection,
		TargetDisconnectConnection:
		return true
	}
	return false
}

// dispatch runs the action of a known target; it returns the 200 reply body
// or an error. (Direct calls, not a table of funcs, keep f on the stack.)
func (e *Emulator) dispatch(target string, f *reqFields) ([]byte, *apiError) {
	switch target {
	case TargetList:
		return e.list(f)
	case TargetGet:
		return e.get(f)
	case TargetPut:
		return e.put(f)
	case TargetDelete:
		return e.delete(f)
	case TargetPutItem:
		return e.putItem(f)
	case TargetDeleteItem:
		return e.deleteItem(f)
	case TargetListChannels:
		return e.listChannels(f)
	case TargetListChannelConnections:
		return e.listChannelConnections(f)
	case TargetPushChannel:
		return e.pushChannel(f)
	case TargetPushConnection:
		return e.pushConnection(f)
	case TargetDisconnectConnection:
		return e.disconnect(f)
	}
	return nil, &apiError{http.StatusBadRequest, ErrUnknownTarget, fmt.Sprintf("unknown x-sora-target %q", target)}
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
	var target string
	if v := r.Header["X-Sora-Target"]; len(v) > 0 {
		target = v[0]
	}
	if !knownTarget(target) {
		msg := "missing x-sora-target header"
		if target != "" {
			msg = fmt.Sprintf("unknown x-sora-target %q", target)
		}
		e.apiFail(w, r, target, &apiError{http.StatusBadRequest, ErrUnknownTarget, msg})
		return
	}
	buf, err := e.readBody(r)
	defer e.putBuf(buf)
	body := buf.Bytes()
	switch {
	case err != nil:
		e.apiFail(w, r, target, &apiError{http.StatusBadRequest, ErrInvalidJSON, "cannot read body: " + err.Error()})
		return
	case len(body) > maxBodyBytes:
		e.apiFail(w, r, target, &apiError{http.StatusRequestEntityTooLarge, ErrRequestTooLarge,
			fmt.Sprintf("body over %d bytes", maxBodyBytes)})
		return
	}
	if e.faults.Load() != nil && e.injectFault(w, r, target, body) {
		return
	}
	var f reqFields
	if !parseRequest(body, &f) {
		e.apiFail(w, r, target, &apiError{http.StatusBadRequest, ErrInvalidJSON, "body is not a JSON object"})
		return
	}
	out, aerr := e.dispatch(target, &f)
	if aerr != nil {
		e.apiFail(w, r, target, aerr)
		return
	}
	e.writeJSON(w, http.StatusOK, out)
	if e.log.Enabled(r.Context(), slog.LevelDebug) {
		e.log.Debug("api request", "target", target, "status", http.StatusOK)
	}
}

func (e *Emulator) apiFail(w http.ResponseWriter, r *http.Request, target string, ae *apiError) {
	e.writeError(w, ae.status, ae.typ, ae.msg)
	if e.log.Enabled(r.Context(), slog.LevelDebug) {
		e.log.Debug("api request", "target", target, "status", ae.status, "error_type", ae.typ, "message", ae.msg)
	}
}

// Parameter checks. Each names the key it checks.

func needString(raw []byte, key string) (string, *apiError) {
	if raw == nil {
		return "", paramErr("missing key %q", key)
	}
	s, ok := decodeString(raw)
	if !ok {
		return "", paramErr("key %q must be a string, got %s", key, jsonKind(raw))
	}
	return s, nil
}

func optString(raw []byte, key string) *apiError {
	if raw == nil {
		return nil
	}
	_, err := needString(raw, key)
	return err
}

func needObject(raw []byte, key string) ([]byte, *apiError) {
	if raw == nil {
		return nil, paramErr("missing key %q", key)
	}
	if raw[0] != '{' {
		return nil, paramErr("key %q must be an object, got %s", key, jsonKind(raw))
	}
	return raw, nil
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
	return false, paramErr("key %q must be a boolean, got %s", key, jsonKind(raw))
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

// The six metadata actions.

func (e *Emulator) list(f *reqFields) ([]byte, *apiError) {
	ch, err := needString(f.channelID, "channel_id")
	if err != nil {
		return nil, err
	}
	conns := e.channelConns(ch)
	b := make([]byte, 0, 2+len(conns)*160)
	b = append(b, '[')
	for i, c := range conns {
		if i > 0 {
			b = append(b, ',')
		}
		c.mu.Lock()
		enc := c.enc
		c.mu.Unlock()
		b = append(b, `{"client_id":`...)
		b = appendString(b, c.clientID)
		b = append(b, `,"bundle_id":`...)
		b = appendString(b, c.bundleID)
		b = append(b, `,"connection_id":`...)
		b = appendString(b, c.id)
		b = append(b, `,"metadata":`...)
		b = append(b, enc...)
		b = append(b, '}')
	}
	return append(b, ']'), nil
}

func (e *Emulator) get(f *reqFields) ([]byte, *apiError) {
	ch, id, err := connIDs(f)
	if err != nil {
		return nil, err
	}
	c, _, err := e.find(ch, id)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.removed {
		return nil, notFound(ch, id)
	}
	return c.enc, nil
}

func (e *Emulator) put(f *reqFields) ([]byte, *apiError) {
	ch, id, err := connIDs(f)
	if err != nil {
		return nil, err
	}
	raw, err := needObject(f.metadata, "metadata")
	if err != nil {
		return nil, err
	}
	push, err := optBool(f.push, "push")
	if err != nil {
		return nil, err
	}
	c, rcpt, err := e.find(ch, id)
	if err != nil {
		return nil, err
	}
	md := parseMetadata(raw)
	enc := md.encode()
	var msg []byte
	if push {
		msg = pushMetadata("PutMetadata", id, enc)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.removed {
		return nil, notFound(ch, id)
	}
	c.md, c.enc = md, enc
	if push {
		e.events.record(ch, rcpt, msg)
	}
	return enc, nil
}

func (e *Emulator) delete(f *reqFields) ([]byte, *apiError) {
	ch, id, err := connIDs(f)
	if err != nil {
		return nil, err
	}
	push, err := optBool(f.push, "push")
	if err != nil {
		return nil, err
	}
	c, rcpt, err := e.find(ch, id)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.removed {
		return nil, notFound(ch, id)
	}
	before := c.enc
	c.md, c.enc = nil, emptyObject()
	if push {
		e.events.record(ch, rcpt, pushMetadata("DeleteMetadata", id, before))
	}
	return before, nil
}

func (e *Emulator) putItem(f *reqFields) ([]byte, *apiError) {
	ch, id, err := connIDs(f)
	if err != nil {
		return nil, err
	}
	key, err := needString(f.key, "key")
	if err != nil {
		return nil, err
	}
	if f.value == nil {
		return nil, paramErr("missing key %q", "value")
	}
	push, err := optBool(f.push, "push")
	if err != nil {
		return nil, err
	}
	c, rcpt, err := e.find(ch, id)
	if err != nil {
		return nil, err
	}
	val := compactCopy(f.value)
	var msg []byte
	if push {
		msg = pushItem("PutMetadataItem", id, key, val)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.removed {
		return nil, notFound(ch, id)
	}
	c.md.set(key, val)
	c.enc = c.md.encode()
	if push {
		e.events.record(ch, rcpt, msg)
	}
	return c.enc, nil
}

func (e *Emulator) deleteItem(f *reqFields) ([]byte, *apiError) {
	ch, id, err := connIDs(f)
	if err != nil {
		return nil, err
	}
	key, err := needString(f.key, "key")
	if err != nil {
		return nil, err
	}
	push, err := optBool(f.push, "push")
	if err != nil {
		return nil, err
	}
	c, rcpt, err := e.find(ch, id)
	if err != nil {
		return nil, err
	}
	var msg []byte
	if push {
		msg = pushItem("DeleteMetadataItem", id, key, nil)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.removed {
		return nil, notFound(ch, id)
	}
	if c.md.del(key) {
		c.enc = c.md.encode()
	}
	if push {
		e.events.record(ch, rcpt, msg)
	}
	return c.enc, nil
}

// Neighbouring targets. Where the reference leaves a reply open, the
// emulator's choices are: ListChannels reports spotlight false and
// multistream true; ListChannelConnections gives created_time in Unix
// seconds; PushChannel and PushConnection reply {}; PushChannel to a channel
// without connections succeeds and delivers nothing.

func (e *Emulator) listChannels(f *reqFields) ([]byte, *apiError) {
	if _, err := optBool(f.local, "local"); err != nil {
		return nil, err
	}
	b := []byte{'['}
	for i, ci := range e.Channels() {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"channel_id":`...)
		b = appendString(b, ci.ChannelID)
		b = append(b, `,"spotlight":false,"multistream":true}`...)
	}
	return append(b, ']'), nil
}

func (e *Emulator) listChannelConnections(f *reqFields) ([]byte, *apiError) {
	ch, err := needString(f.channelID, "channel_id")
	if err != nil {
		return nil, err
	}
	b := []byte{'['}
	for i, c := range e.channelConns(ch) {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"channel_id":`...)
		b = appendString(b, c.channelID)
		b = append(b, `,"client_id":`...)
		b = appendString(b, c.clientID)
		b = append(b, `,"bundle_id":`...)
		b = appendString(b, c.bundleID)
		b = append(b, `,"connection_id":`...)
		b = appendString(b, c.id)
		b = append(b, `,"role":`...)
		b = appendString(b, c.role)
		b = append(b, `,"created_time":`...)
		b = strconv.AppendInt(b, c.created.Unix(), 10)
		b = append(b, '}')
	}
	return append(b, ']'), nil
}

func (e *Emulator) pushChannel(f *reqFields) ([]byte, *apiError) {
	ch, err := needString(f.channelID, "channel_id")
	if err != nil {
		return nil, err
	}
	data, err := needObject(f.data, "data")
	if err != nil {
		return nil, err
	}
	if rcpt := e.recipients(ch); len(rcpt) > 0 {
		e.events.record(ch, rcpt, pushData(data))
	}
	return emptyObject(), nil
}

func (e *Emulator) pushConnection(f *reqFields) ([]byte, *apiError) {
	ch, id, err := connIDs(f)
	if err != nil {
		return nil, err
	}
	data, err := needObject(f.data, "data")
	if err != nil {
		return nil, err
	}
	c, _, err := e.find(ch, id)
	if err != nil {
		return nil, err
	}
	msg := pushData(data)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.removed {
		return nil, notFound(ch, id)
	}
	e.events.record(ch, []string{c.id}, msg)
	return emptyObject(), nil
}

func (e *Emulator) disconnect(f *reqFields) ([]byte, *apiError) {
	ch, id, err := connIDs(f)
	if err != nil {
		return nil, err
	}
	if err := optString(f.reason, "reason"); err != nil {
		return nil, err
	}
	if !e.RemoveConnection(ch, id) {
		return nil, notFound(ch, id)
	}
	b := append([]byte(nil), `{"channel_id":`...)
	b = appendString(b, ch)
	b = append(b, `,"connection_id":`...)
	b = appendString(b, id)
	return append(b, '}'), nil
}
