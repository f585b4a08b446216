package engine

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	lua "github.com/yuin/gopher-lua"

	luajson "github.com/soracron/soracron/bindings/json"
	"github.com/soracron/soracron/engine/internal/stdlib"
)

// MaxErrorBytes caps the message of a script error (64 KiB): an error
// raised with a huge string, or a table whose JSON form is huge, is cut
// with a note of how much was cut. The traceback is bounded by its number
// of frames (see stdlib.Traceback).
const MaxErrorBytes = 64 << 10

// maxChunkName bounds the "chunk:line:" prefix splitPosition looks for.
const maxChunkName = 4096 + 32

// capText cuts s to max bytes (at a UTF-8 boundary) with a note of the
// bytes cut.
func capText(s string, max int) string {
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s... (%d more bytes cut)", s[:cut], len(s)-cut)
}

// failure is what the error handler captured while the failed run's stack
// was still intact.
type failure struct {
	message   string
	script    string
	line      int
	traceback string
	syntax    *ScriptError // a required module did not compile
}

// handler returns the message handler of the run's PCall: it turns the error
// value into a *failure (in a userdata) with the position and traceback.
func (r *run) handler() *lua.LFunction {
	if r.handlerF == nil {
		r.handlerF = r.L.NewFunction(r.handle)
	}
	return r.handlerF
}

func (r *run) handle(L *lua.LState) int {
	v := L.Get(1)
	f := &failure{}
	ctxDone := r.ctx.Err() != nil
	switch ev := v.(type) {
	case lua.LString:
		f.message = string(ev)
		f.script, f.line, f.message = r.splitPosition(f.message)
	case *lua.LUserData:
		if se, ok := ev.Value.(*ScriptError); ok {
			f.syntax = se
			f.message = se.Error()
			break
		}
		f.message = r.errorString(L, v, ctxDone)
	default:
		f.message = r.errorString(L, v, ctxDone)
	}
	if f.line == 0 {
		f.script, f.line = firstLuaFrame(L, 1)
	}
	f.message = capText(f.message, MaxErrorBytes)
	f.traceback = r.traceback(L)
	ud := L.NewUserData()
	ud.Value = f
	L.Push(ud)
	return 1
}

// errorString renders a non-string error value: with its __tostring
// metamethod (the sora module's error tables), as JSON for plain tables, or
// by its type.
func (r *run) errorString(L *lua.LState, v lua.LValue, ctxDone bool) string {
	if v == lua.LNil {
		return "(error object is a nil value)"
	}
	if fn, ok := L.GetMetaField(v, "__tostring").(*lua.LFunction); ok && !ctxDone {
		if err := L.CallByParam(lua.P{Fn: fn, NRet: 1, Protect: true}, v); err == nil {
			s := L.Get(-1)
			L.Pop(1)
			if str, ok := s.(lua.LString); ok {
				return string(str)
			}
		}
	}
	if tb, ok := v.(*lua.LTable); ok {
		if data, err := luajson.Encode(tb); err == nil {
			return string(data)
		}
	}
	return fmt.Sprintf("(error object is a %s value)", v.Type())
}

// splitPosition splits the "chunk:line: " prefix gopher-lua puts on error
// messages, for the chunks of this run only.
func (r *run) splitPosition(msg string) (string, int, string) {
	for i := 0; i < len(msg) && i < maxChunkName; i++ {
		if msg[i] != ':' {
			continue
		}
		chunk := msg[:i]
		if !r.chunks[chunk] {
			continue
		}
		rest := msg[i+1:]
		j := strings.IndexByte(rest, ':')
		if j <= 0 {
			break
		}
		line, err := strconv.Atoi(rest[:j])
		if err != nil {
			continue
		}
		return chunk, line, strings.TrimPrefix(rest[j+1:], " ")
	}
	return "", 0, msg
}

// firstLuaFrame returns the chunk and current line of the innermost Lua
// function at or above level.
func firstLuaFrame(L *lua.LState, level int) (string, int) {
	for ; ; level++ {
		dbg, ok := L.GetStack(level)
		if !ok {
			return "", 0
		}
		if _, err := L.GetInfo("Sl", dbg, nil); err != nil {
			continue
		}
		if dbg.What != "G" && dbg.CurrentLine > 0 {
			return dbg.Source, dbg.CurrentLine
		}
	}
}

// traceback returns the traceback of the stack below the handler.
func (r *run) traceback(L *lua.LState) string {
	return stdlib.Traceback(L, 1)
}

// scriptError classifies the error of the run's PCall.
func (r *run) scriptError(err error) *ScriptError {
	f := &failure{message: err.Error()}
	var ae *lua.ApiError
	if errors.As(err, &ae) {
		if ud, ok := ae.Object.(*lua.LUserData); ok {
			if ff, ok := ud.Value.(*failure); ok {
				f = ff
			}
		} else {
			// The handler itself failed (stack overflow): keep what gopher-lua has.
			f.message = capText(ae.Object.String(), MaxErrorBytes)
			f.script, f.line, f.message = r.splitPosition(f.message)
			f.traceback = ae.StackTrace
			switch {
			case strings.Contains(f.message, "stack overflow"):
				f.message = fmt.Sprintf("stack overflow (more than %d nested calls)", callStackSize)
			case strings.Contains(f.message, "registry overflow"):
				f.message = fmt.Sprintf("registry overflow: the Lua data stack is full (%d values; a huge unpack, select or argument list?)", registryMaxSize)
			}
		}
	}
	if f.script == "" {
		f.script = r.req.Script
	}
	se := &ScriptError{Kind: Runtime, Script: f.script, Line: f.line, Message: f.message, Traceback: f.traceback}
	if cerr := r.ctx.Err(); cerr != nil {
		se.Err = cerr
		if errors.Is(cerr, context.DeadlineExceeded) {
			se.Kind = Timeout
			se.Message = "timed out"
			if r.req.Timeout > 0 {
				se.Message += " after " + r.req.Timeout.String()
			}
		} else {
			se.Kind = Cancelled
			se.Message = "cancelled"
			if cause := context.Cause(r.ctx); cause != nil && cause != cerr {
				se.Message += ": " + cause.Error()
			}
		}
		return se
	}
	if f.syntax != nil {
		return f.syntax
	}
	return se
}
