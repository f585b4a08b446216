package sora

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

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

// actionTarget is a metadata action's target, from the client's table of
// targets, and the Lua function of the action.
type actionTarget struct {
	sora.Target
	// Op is the action's function, "sora.put_item".
	Op string
}

// actionTargets maps a metadata action to its target.
var actionTargets = func() map[string]actionTarget {
	m := map[string]actionTarget{}
	for _, t := range sora.Targets() {
		if t.Action != "" {
			m[t.Action] = actionTarget{Target: t, Op: "sora." + t.Action}
		}
	}
	return m
}()

// newRequest returns the request of a metadata action with its body,
// encoded by the client's request encoders.
func newRequest(action, channelID, connectionID, key string, value []byte, push bool) (*plan.Request, error) {
	if _, ok := actionTargets[action]; !ok {
		return nil, fmt.Errorf("unknown action %q", action)
	}
	r := &plan.Request{}
	setAction(r, action, channelID, connectionID, key, value, push)
	b := make([]byte, 0, 80+len(channelID)+len(connectionID)+len(key)+len(value))
	var err error
	if r.Body, err = appendBody(b, r); err != nil {
		return nil, err
	}
	return r, nil
}

// setAction fills r with a metadata action (known to actionTargets),
// without its body.
func setAction(r *plan.Request, action, channelID, connectionID, key string, value []byte, push bool) {
	t := actionTargets[action]
	*r = plan.Request{
		Action: action, Op: t.Op, Target: t.Name,
		ChannelID: channelID, ConnectionID: connectionID, Key: key, Value: value, Push: push,
		Write: t.Write,
	}
}

// appendBody appends the body of r, a metadata action, to b, encoded by
// the client's request encoders. It fails only on a string that is not
// valid UTF-8.
func appendBody(b []byte, r *plan.Request) ([]byte, error) {
	switch r.Action {
	case actList:
		return sora.AppendListRequest(b, r.ChannelID)
	case actGet:
		return sora.AppendGetRequest(b, r.ChannelID, r.ConnectionID)
	case actPut:
		return sora.AppendPutRequest(b, r.ChannelID, r.ConnectionID, r.Value, r.Push)
	case actDelete:
		return sora.AppendDeleteRequest(b, r.ChannelID, r.ConnectionID, r.Push)
	case actPutItem:
		return sora.AppendPutItemRequest(b, r.ChannelID, r.ConnectionID, r.Key, r.Value, r.Push)
	case actDeleteItem:
		return sora.AppendDeleteItemRequest(b, r.ChannelID, r.ConnectionID, r.Key, r.Push)
	}
	return b, fmt.Errorf("unknown action %q", r.Action)
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
	fields      []string // sora.list's fields; nil for all
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
			case "fields":
				o.fields = checkFields(L, n, v)
			}
		})
		return o
	default:
		L.ArgError(n, "options table expected, got "+t.Type().String())
	}
	return o
}

// checkFields reads the fields option of sora.list (at argument n): a
// non-empty list of strings.
func checkFields(L *lua.LState, n int, v lua.LValue) []string {
	fail := func() { L.ArgError(n, "fields must be a non-empty list of field names (strings), got "+v.String()) }
	t, ok := v.(*lua.LTable)
	if !ok {
		fail()
	}
	entries := 0
	t.ForEach(func(lua.LValue, lua.LValue) { entries++ })
	if entries == 0 || entries != t.Len() {
		fail() // empty, or not only t[1..n]
	}
	fields := make([]string, entries)
	for i := range fields {
		name, ok := t.RawGetInt(i + 1).(lua.LString)
		if !ok {
			fail()
		}
		fields[i] = string(name)
	}
	return fields
}

// requestFields are the fields a request table of sora.batch may have.
var requestFields = []string{"action", "channel_id", "connection_id", "key", "value", "metadata", "push", "target", "params"}

// parseRequest reads a request table: {action = "put_item", channel_id = ...,
// connection_id = ..., key = ..., value = ..., push = ...}; action "call"
// takes target and params. where names the table in errors
// ("requests[3]"); errors are raised as argument errors of argument n.
func parseRequest(L *lua.LState, n int, where string, t *lua.LTable, action string) *plan.Request {
	r := &plan.Request{}
	readRequest(L, n, func() string { return where }, t, action, r, nil)
	if r.Body == nil {
		r.Body, _ = appendBody(nil, r) // readRequest checked the strings
	}
	return r
}

// valueMemo remembers the last value readRequest encoded, so that a batch
// setting the same value on many connections encodes it once (and shares
// the bytes, which are never modified).
type valueMemo struct {
	v        lua.LValue
	metadata bool // v was encoded as metadata (put), else as a value (put_item)
	enc      []byte
	// pulled is set when Lua runs between two reads (requests pulled from
	// a function): a table seen before may have changed since, so only
	// strings and booleans, which cannot, are reused.
	pulled bool
}

// encode returns the JSON of v, encoded as a put's metadata
// (encodeMetadata) or as a put_item's value (encodeValue), reusing the
// last one when v is the same string, boolean or table encoded the same
// way (a table only when no Lua runs between two reads, as while a table
// of requests is read).
func (m *valueMemo) encode(v lua.LValue, metadata bool) ([]byte, error) {
	enc := encodeValue
	if metadata {
		enc = encodeMetadata
	}
	if m == nil {
		return enc(v)
	}
	switch v.(type) {
	case lua.LString, lua.LBool:
	case *lua.LTable:
		if m.pulled {
			return enc(v)
		}
	default:
		return enc(v)
	}
	if m.enc != nil && m.v == v && m.metadata == metadata {
		return m.enc, nil
	}
	b, err := enc(v)
	if err == nil {
		m.v, m.metadata, m.enc = v, metadata, b
	}
	return b, err
}

// readRequest reads the request table t into r, as parseRequest does; where
// is called for the table's name only when there is an error. The body of
// a metadata action is left for appendBody (whose only failure, a string
// that is not valid UTF-8, is checked here), so that a batch encodes each
// body as it sends it. memo (nil for none) caches the values encoded.
func readRequest(L *lua.LState, n int, where func() string, t *lua.LTable, action string, r *plan.Request, memo *valueMemo) {
	fail := func(format string, args ...any) {
		L.ArgError(n, where()+": "+fmt.Sprintf(format, args...))
	}
	luajson.Fill(t) // a lazy table (a List's connection, a result) is read filled
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
			readRequest(L, n, func() string { return where() + ".params" }, params, sora.ActionName(full), r, memo)
			r.Op = "sora.call"
			return
		}
		body, err := encodeParams(t.RawGetString("params"))
		if err != nil {
			fail("%v", err)
		}
		*r = plan.Request{Action: sora.ActionName(full), Op: "sora.call", Target: full, Body: body, Write: sora.IsWrite(full)}
		return
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
		value, err = memo.encode(t.RawGetString("value"), false)
	case actPut:
		value, err = memo.encode(t.RawGetString("metadata"), true)
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
	setAction(r, action, ch, conn, key, value, push)
	if !utf8.ValidString(ch) || !utf8.ValidString(conn) || !utf8.ValidString(key) {
		_, err := appendBody(nil, r)
		fail("%v", err)
	}
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
