package bindings

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/soracron/soracron/sora"
)

// Actions of the metadata API, as named in Lua and in Stats.
const (
	actList       = "list"
	actGet        = "get"
	actPut        = "put"
	actDelete     = "delete"
	actPutItem    = "put_item"
	actDeleteItem = "delete_item"
	actCall       = "call"
)

// actionTargets maps a metadata action to its target.
var actionTargets = map[string]string{
	actList:       sora.TargetList,
	actGet:        sora.TargetGet,
	actPut:        sora.TargetPut,
	actDelete:     sora.TargetDelete,
	actPutItem:    sora.TargetPutItem,
	actDeleteItem: sora.TargetDeleteItem,
}

// soraRequest is one API request, its JSON body encoded up front so that it can
// be sent from any goroutine without touching the LState.
type soraRequest struct {
	action string // Stats name: "put_item", or the full target of a call
	op     string // Lua function named in errors: "sora.put_item"
	target string // full x-sora-target

	channelID, connectionID, key string
	value                        []byte // put_item: the value; put: the metadata (canonical JSON)
	push                         bool
	write                        bool // one of the four metadata writes

	body  []byte // the request body
	quiet bool   // not counted in Stats (a dry run's internal read)
}

// newRequest returns the request of a metadata action with its body.
func newRequest(action, channelID, connectionID, key string, value []byte, push bool) (*soraRequest, error) {
	r := &soraRequest{
		action: action, op: "sora." + action, target: actionTargets[action],
		channelID: channelID, connectionID: connectionID, key: key, value: value, push: push,
		write: action == actPut || action == actDelete || action == actPutItem || action == actDeleteItem,
	}
	b := make([]byte, 0, 80+len(channelID)+len(connectionID)+len(key)+len(value))
	b = append(b, `{"channel_id":`...)
	var ok bool
	if b, ok = appendJSONString(b, channelID); !ok {
		return nil, errors.New("channel_id is not valid UTF-8")
	}
	if action != actList {
		b = append(b, `,"connection_id":`...)
		if b, ok = appendJSONString(b, connectionID); !ok {
			return nil, errors.New("connection_id is not valid UTF-8")
		}
	}
	if action == actPutItem || action == actDeleteItem {
		b = append(b, `,"key":`...)
		if b, ok = appendJSONString(b, key); !ok {
			return nil, errors.New("key is not valid UTF-8")
		}
	}
	switch action {
	case actPutItem:
		b = append(b, `,"value":`...)
		b = append(b, value...)
	case actPut:
		b = append(b, `,"metadata":`...)
		b = append(b, value...)
	}
	if push && r.write {
		b = append(b, `,"push":true`...)
	}
	r.body = append(b, '}')
	return r, nil
}

// mustRequest is newRequest raising a Lua argument error on failure.
func mustRequest(L *lua.LState, action, channelID, connectionID, key string, value []byte, push bool) *soraRequest {
	r, err := newRequest(action, channelID, connectionID, key, value, push)
	if err != nil {
		L.RaiseError("sora.%s: %v", action, err)
	}
	return r
}

// encodeMetadata encodes a metadata table as a JSON object; an array (or a
// table that is not JSON) is an error.
func encodeMetadata(v lua.LValue) ([]byte, error) {
	if _, ok := v.(*lua.LTable); !ok {
		return nil, fmt.Errorf("metadata must be a table, got %s", v.Type())
	}
	b, err := EncodeJSON(v)
	if err != nil {
		return nil, fmt.Errorf("metadata: %w", err)
	}
	if len(b) == 0 || b[0] != '{' {
		return nil, errors.New("metadata must be an object (a table with string keys), got an array")
	}
	return b, nil
}

// encodeValue encodes the value of put_item; Lua nil is refused, since it is
// most often a misspelt variable: JSON null is json.null.
func encodeValue(v lua.LValue) ([]byte, error) {
	if v == lua.LNil {
		return nil, errors.New("value expected, got nil (use json.null for JSON null)")
	}
	b, err := EncodeJSON(v)
	if err != nil {
		return nil, fmt.Errorf("value: %w", err)
	}
	return b, nil
}

// callOpts are the options tables of the module's functions.
type callOpts struct {
	push        bool
	concurrency int
}

// checkOpts reads the options table at argument n (absent or nil is
// allowed); fields outside allowed are an argument error, to catch typos.
func (s *Sora) checkOpts(L *lua.LState, n int, allowed ...string) callOpts {
	o := callOpts{concurrency: s.opts.Concurrency}
	switch t := L.Get(n).(type) {
	case *lua.LNilType:
		return o
	case *lua.LTable:
		t.ForEach(func(k, v lua.LValue) {
			name, ok := k.(lua.LString)
			if !ok || !inList(allowed, string(name)) {
				L.ArgError(n, fmt.Sprintf("unknown option %s (allowed: %s)", k, strings.Join(allowed, ", ")))
			}
			switch name {
			case "push":
				b, ok := v.(lua.LBool)
				if !ok {
					L.ArgError(n, "push must be a boolean, got "+v.Type().String())
				}
				o.push = bool(b)
			case "concurrency":
				c, ok := v.(lua.LNumber)
				if !ok || c < 1 || c != lua.LNumber(int(c)) {
					L.ArgError(n, "concurrency must be a positive integer, got "+v.String())
				}
				o.concurrency = int(c)
			}
		})
		return o
	default:
		L.ArgError(n, "options table expected, got "+t.Type().String())
	}
	return o
}

func inList(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// requestFields are the fields a request table of sora.batch may have.
var requestFields = []string{"action", "channel_id", "connection_id", "key", "value", "metadata", "push", "target", "params"}

// parseRequest reads a request table: {action = "put_item", channel_id = ...,
// connection_id = ..., key = ..., value = ..., push = ...}; action "call"
// takes target and params. where names the table in errors
// ("requests[3]"); errors are raised as argument errors of argument n.
func parseRequest(L *lua.LState, n int, where string, t *lua.LTable, action string) *soraRequest {
	fail := func(format string, args ...any) {
		L.ArgError(n, where+": "+fmt.Sprintf(format, args...))
	}
	t.ForEach(func(k, _ lua.LValue) {
		if name, ok := k.(lua.LString); !ok || !inList(requestFields, string(name)) {
			fail("unknown field %s", k)
		}
	})
	str := func(field string, required bool) string {
		switch v := t.RawGetString(field).(type) {
		case lua.LString:
			return string(v)
		case *lua.LNilType:
			if required {
				fail("%s missing", field)
			}
		default:
			fail("%s must be a string, got %s", field, v.Type())
		}
		return ""
	}
	if action == "" {
		action = str("action", true)
	}
	if action == actCall {
		target := str("target", true)
		full, err := sora.FullTarget(target)
		if err != nil {
			fail("%v", err)
		}
		if params, ok := t.RawGetString("params").(*lua.LTable); ok && isMetadataTarget(full) {
			// Read the params like a request of the action, so that a dry
			// run can apply it to its overlay.
			r := parseRequest(L, n, where+".params", params, sora.ActionName(full))
			r.op = "sora.call"
			return r
		}
		body, err := encodeParams(t.RawGetString("params"))
		if err != nil {
			fail("%v", err)
		}
		return &soraRequest{action: sora.ActionName(full), op: "sora.call", target: full, body: body, write: sora.IsWrite(full)}
	}
	if _, ok := actionTargets[action]; !ok {
		fail("unknown action %q (want list, get, put, delete, put_item, delete_item or call)", action)
	}
	ch := str("channel_id", true)
	var conn, key string
	if action != actList {
		conn = str("connection_id", true)
	}
	if action == actPutItem || action == actDeleteItem {
		key = str("key", true)
	}
	var value []byte
	var err error
	switch action {
	case actPutItem:
		value, err = encodeValue(t.RawGetString("value"))
	case actPut:
		value, err = encodeMetadata(t.RawGetString("metadata"))
	}
	if err != nil {
		fail("%v", err)
	}
	push := false
	switch v := t.RawGetString("push").(type) {
	case lua.LBool:
		push = bool(v)
	case *lua.LNilType:
	default:
		fail("push must be a boolean, got %s", v.Type())
	}
	r, err := newRequest(action, ch, conn, key, value, push)
	if err != nil {
		fail("%v", err)
	}
	return r
}

// encodeParams encodes the params of sora.call: nil and an empty table are
// {}, anything else must encode as a JSON object.
func encodeParams(v lua.LValue) ([]byte, error) {
	switch t := v.(type) {
	case *lua.LNilType:
		return []byte("{}"), nil
	case *lua.LTable:
		b, err := EncodeJSON(t)
		if err != nil {
			return nil, fmt.Errorf("params: %w", err)
		}
		if b[0] != '{' {
			if t.Len() == 0 {
				return []byte("{}"), nil
			}
			return nil, errors.New("params must be an object (a table with string keys)")
		}
		return b, nil
	default:
		return nil, fmt.Errorf("params must be a table, got %s", v.Type())
	}
}

// isMetadataTarget reports whether target is one of the six metadata actions.
func isMetadataTarget(target string) bool { return sora.ActionName(target) != target }

// rawBody is the body argument of Client.Call: sent as is.
func rawBody(r *soraRequest) json.RawMessage { return json.RawMessage(r.body) }
