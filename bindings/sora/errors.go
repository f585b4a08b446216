package sora

import (
	"context"
	"errors"
	"fmt"
	"strings"

	lua "github.com/yuin/gopher-lua"

	luajson "github.com/soracron/soracron/bindings/json"
	"github.com/soracron/soracron/sora"
)

// Error types of a sora error table besides Sora's own error_type.
const (
	errTypeTransport = "transport"
	errTypeTimeout   = "timeout"
	errTypeCancelled = "cancelled"
	errTypeHTTP      = "http_error"
	errTypeDecode    = "decode"
	errTypeDryRun    = "dry_run"
)

// errorMetatableName is the registry name of the metatable of error tables.
const errorMetatableName = "soracron.sora.error"

// errDryRun is returned by sora.call in a dry run for a target that may
// change state and is not one of the metadata writes.
var errDryRun = errors.New("not sent in a dry run: only reads (List*, Get*) and the metadata writes are allowed")

// errorMetatable returns the metatable of sora error tables in L, creating it
// on first use. Its __tostring renders the error as one line.
func errorMetatable(L *lua.LState) *lua.LTable {
	if mt, ok := L.G.Registry.RawGetString(errorMetatableName).(*lua.LTable); ok {
		return mt
	}
	mt := L.CreateTable(0, 2)
	mt.RawSetString("__tostring", L.NewFunction(errorToString))
	mt.RawSetString("__name", lua.LString("sora.error"))
	L.G.Registry.RawSetString(errorMetatableName, mt)
	return mt
}

// errorToString is the __tostring of error tables:
// "sora.get: Sora_20201124.GetSignalingNotifyMetadata: status 400 connection_not_found: ...".
func errorToString(L *lua.LState) int {
	t := L.CheckTable(1)
	str := func(k string) string {
		if v, ok := t.RawGetString(k).(lua.LString); ok {
			return string(v)
		}
		return ""
	}
	status, _ := t.RawGetString("status").(lua.LNumber)
	f := errorFields{status: int(status), typ: str("type"), message: str("message"), target: str("target")}
	L.Push(lua.LString(f.format(str("op"), str("key"))))
	return 1
}

// format renders the error of the function op (and of the write of key,
// when not empty) as one line, as the __tostring of error tables does.
func (f errorFields) format(op, key string) string {
	var b strings.Builder
	if op != "" {
		b.WriteString(op)
		b.WriteString(": ")
	}
	if f.target != "" {
		b.WriteString(f.target)
		b.WriteString(": ")
	}
	if f.status > 0 {
		fmt.Fprintf(&b, "status %d", f.status)
		if f.typ != "" && f.typ != errTypeHTTP {
			b.WriteString(" ")
			b.WriteString(f.typ)
		}
		if f.message != "" {
			b.WriteString(": ")
			b.WriteString(f.message)
		}
	} else {
		if f.typ == errTypeDryRun {
			b.WriteString("dry run: ")
		}
		b.WriteString(f.message)
	}
	if key != "" {
		fmt.Fprintf(&b, " (key %q)", key)
	}
	return b.String()
}

// errorFields are the fields of a sora error table.
type errorFields struct {
	status               int
	typ, message, target string
}

// classify turns an error of the client (or of the module) into the fields
// of a Lua error table.
func classify(err error, target string) errorFields {
	f := errorFields{target: target}
	var ae *sora.APIError
	var te *sora.TransportError
	var pe *luajson.PathError
	switch {
	case errors.As(err, &ae):
		f.status, f.target = ae.Status, ae.Target
		f.typ, f.message = ae.Type, ae.Message
		if f.typ == "" {
			f.typ = errTypeHTTP
		}
		if f.message == "" && len(ae.Body) > 0 {
			body := string(ae.Body)
			if len(body) > 200 {
				body = body[:200] + "..."
			}
			f.message = fmt.Sprintf("%q", body)
		}
	case errors.As(err, &te):
		f.target = te.Target
		f.message = strings.TrimPrefix(err.Error(), te.Target+": ")
		switch {
		case errors.Is(err, context.DeadlineExceeded):
			f.typ = errTypeTimeout
		case errors.Is(err, context.Canceled):
			f.typ = errTypeCancelled
		case strings.Contains(f.message, "decode reply"):
			f.typ = errTypeDecode
		default:
			f.typ = errTypeTransport
		}
	case errors.Is(err, errDryRun):
		f.typ, f.message = errTypeDryRun, err.Error()
	case errors.As(err, &pe):
		f.typ, f.message = errTypeDecode, "decode reply: "+err.Error()
	case errors.Is(err, context.DeadlineExceeded):
		f.typ, f.message = errTypeTimeout, err.Error()
	case errors.Is(err, context.Canceled):
		f.typ, f.message = errTypeCancelled, err.Error()
	default:
		f.typ, f.message = errTypeTransport, err.Error()
	}
	return f
}

// errorValue returns the Lua error table of err for the function op
// ("sora.get"); target is the request's target when err does not carry one.
func errorValue(L *lua.LState, op, target string, err error) *lua.LTable {
	f := classify(err, target)
	t := L.CreateTable(0, 6)
	t.RawSetString("op", lua.LString(op))
	t.RawSetString("status", lua.LNumber(f.status))
	t.RawSetString("type", lua.LString(f.typ))
	t.RawSetString("message", lua.LString(f.message))
	t.RawSetString("target", lua.LString(f.target))
	if body := errorBody(L, err); body != lua.LNil {
		t.RawSetString("body", body)
	}
	t.Metatable = errorMetatable(L)
	return t
}

// errorBody is the reply of a failed request as Sora sent it, every field
// kept: a table for a JSON reply, the text otherwise; nil without a reply.
func errorBody(L *lua.LState, err error) lua.LValue {
	var ae *sora.APIError
	if !errors.As(err, &ae) || len(ae.Body) == 0 {
		return lua.LNil
	}
	if ae.Fields != nil {
		if v, derr := luajson.Decode(L, ae.Body); derr == nil {
			return v
		}
	}
	return lua.LString(ae.Body)
}

// pushError pushes nil, err and returns 2, the failure return of a function.
func pushError(L *lua.LState, op, target string, err error) int {
	L.Push(lua.LNil)
	L.Push(errorValue(L, op, target, err))
	return 2
}

// retarget makes err (the failed read that preceded a dry-run write) read as
// a failure of target: connection_not_found of the read is the reply the
// write would have had.
func retarget(err error, target string) error {
	var ae *sora.APIError
	if errors.As(err, &ae) {
		c := *ae
		c.Target = target
		return &c
	}
	var te *sora.TransportError
	if errors.As(err, &te) {
		return &sora.TransportError{Target: target, Err: te.Err}
	}
	return err
}
