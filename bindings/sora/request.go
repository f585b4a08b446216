package sora

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	lua "github.com/yuin/gopher-lua"

	luajson "github.com/soracron/soracron/bindings/json"
	"github.com/soracron/soracron/bindings/plan"
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

// actionTargets maps a metadata action to its target, from the client's
// table of targets.
var actionTargets = func() map[string]sora.Target {
	m := map[string]sora.Target{}
	for _, t := range sora.Targets() {
		if t.Action != "" {
			m[t.Action] = t
		}
	}
	return m
}()

// newRequest returns the request of a metadata action with its body,
// encoded by the client's request encoders.
func newRequest(action, channelID, connectionID, key string, value []byte, push bool) (*plan.Request, error) {
	t := actionTargets[action]
	r := &plan.Request{
		Action: action, Op: "sora." + action, Target: t.Name,
		ChannelID: channelID, ConnectionID: connectionID, Key: key, Value: value, Push: push,
		Write: t.Write,
	}
	b := make([]byte, 0, 80+len(channelID)+len(connectionID)+len(key)+len(value))
	var err error
	switch action {
	case actList:
		r.Body, err = sora.AppendListRequest(b, channelID)
	case actGet:
		r.Body, err = sora.AppendGetRequest(b, channelID, connectionID)
	case actPut:
		r.Body, err = sora.AppendPutRequest(b, channelID, connectionID, value, push)
	case actDelete:
		r.Body, err = sora.AppendDeleteRequest(b, channelID, connectionID, push)
	case actPutItem:
		r.Body, err = sora.AppendPutItemRequest(b, channelID, connectionID, key, value, push)
	case actDeleteItem:
		r.Body, err = sora.AppendDeleteItemRequest(b, channelID, connectionID, key, push)
	default:
		err = fmt.Errorf("unknown action %q", action)
	}
	if err != nil {
		return nil, err
	}
	return r, nil
}

// mustRequest is newRequest raising a Lua argument error on failure.
func mustRequest(L *lua.LState, action, channelID, connectionID, key string, value []byte, push bool) *plan.Request {
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
	b, err := luajson.Encode(v)
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
	b, err := luajson.Encode(v)
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
func (s *Module) checkOpts(L *lua.LState, n int, allowed ...string) callOpts {
	o := callOpts{concurrency: s.opts.Concurrency}
	switch t := L.Get(n).(type) {
	case *lua.LNilType:
		return o
	case *lua.LTable:
		t.ForEach(func(k, v lua.LValue) {
			name, ok := k.(lua.LString)
			if !ok || !slices.Contains(allowed, string(name)) {
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

// requestFields are the fields a request table of sora.batch may have.
var requestFields = []string{"action", "channel_id", "connection_id", "key", "value", "metadata", "push", "target", "params"}

// parseRequest reads a request table: {action = "put_item", channel_id = ...,
// connection_id = ..., key = ..., value = ..., push = ...}; action "call"
// takes target and params. where names the table in errors
// ("requests[3]"); errors are raised as argument errors of argument n.
func parseRequest(L *lua.LState, n int, where string, t *lua.LTable, action string) *plan.Request {
	fail := func(format string, args ...any) {
		L.ArgError(n, where+": "+fmt.Sprintf(format, args...))
	}
	t.ForEach(func(k, _ lua.LValue) {
		if name, ok := k.(lua.LString); !ok || !slices.Contains(requestFields, string(name)) {
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
		if params, ok := t.RawGetString("params").(*lua.LTable); ok && sora.IsMetadata(full) {
			// Read the params like a request of the action, so that a dry
			// run can apply it to its overlay.
			r := parseRequest(L, n, where+".params", params, sora.ActionName(full))
			r.Op = "sora.call"
			return r
		}
		body, err := encodeParams(t.RawGetString("params"))
		if err != nil {
			fail("%v", err)
		}
		return &plan.Request{Action: sora.ActionName(full), Op: "sora.call", Target: full, Body: body, Write: sora.IsWrite(full)}
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
		b, err := luajson.Encode(t)
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
