package stdlib

import (
	"fmt"
	"reflect"
	"runtime"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// The sandbox's pcall, xpcall, coroutine.yield and the run's traceback.
//
// gopher-lua's pcall (a PCall without a message handler) builds a
// traceback of the whole stack whenever it catches an error, one line per
// tail call the frames on the stack made: a function that recursed
// through a million tail calls before failing made pcall (and the run's
// own traceback) allocate gigabytes and run on long past the timeout. Its
// xpcall runs the handler before unwinding and leaves the upvalues of the
// unwound frames open (a closure made there later reads another
// function's registers). Its coroutine.yield, called from Lua code that a
// Go function called (pcall, table.sort, string.gsub, update_all, a
// metamethod), unwinds the Go function's inner VM loop as if it had
// returned: a nil pointer panic or a "register underflow", and a
// coroutine that runs on with wrong values.
//
// The engine's versions: pcall raises through a panic function that marks
// the error as having a traceback, so that PCall builds none; xpcall is
// pcall followed by the handler (the sandbox has no debug library, so a
// handler cannot see the stack it would have run on); coroutine.yield
// refuses, with a Lua error, a yield that would cross a Go-called
// boundary; the run's traceback shows at most tracebackLevels1 +
// tracebackLevels2 frames and counts tail calls instead of listing them.

// Traceback sizes, as C Lua's (LEVELS1, LEVELS2).
const (
	tracebackLevels1 = 12 // innermost frames shown
	tracebackLevels2 = 10 // outermost frames shown
	// maxTracebackLine caps one line of a traceback (a function's name
	// comes from the source).
	maxTracebackLine = 512
)

// noTraceback marks an error raised under the sandbox's pcall: gopher-lua's
// PCall builds a traceback for an error that has none.
const noTraceback = "(traceback not kept)"

// panicNoTraceback is the LState.Panic of code under the sandbox's pcall.
func panicNoTraceback(L *lua.LState) {
	panic(&lua.ApiError{Type: lua.ApiErrorRun, Object: L.Get(-1), StackTrace: noTraceback})
}

// trampoline calls its first argument with the others and returns what it
// returns, with panicNoTraceback as the LState's panic function (PCall,
// which called it, restores the previous one when it returns).
func trampoline(L *lua.LState) int {
	L.Panic = panicNoTraceback
	L.Call(L.GetTop()-1, lua.MultRet)
	return L.GetTop()
}

// Protector holds the function values of the sandbox's pcall and xpcall
// (Pcall, Xpcall), made once in an LState and shared by every run.
type Protector struct {
	tramp *lua.LFunction // trampoline
	noop  *lua.LFunction // does nothing
}

// NewProtector makes the function values of a Protector in L.
func NewProtector(L *lua.LState) Protector {
	return Protector{tramp: L.NewFunction(trampoline), noop: L.NewFunction(func(*lua.LState) int { return 0 })}
}

// protected calls the value at stack index 1 with the values above it
// through trampoline, in PCall: the error object on failure.
//
// gopher-lua closes the upvalues of the frames an error unwinds only when
// no PCall with a message handler is in progress (its hasErrorFunc), which
// the run's own PCall is, and which only the end of another PCall resets:
// a PCall of noop first, so that a closure made in a function that fails
// keeps its values.
func (p Protector) protected(L *lua.LState, nret int) (lua.LValue, bool) {
	L.Push(p.noop)
	_ = L.PCall(0, 0, nil)
	L.Insert(p.tramp, 1)
	if err := L.PCall(L.GetTop()-1, nret, nil); err != nil {
		if ae, ok := err.(*lua.ApiError); ok {
			return ae.Object, false
		}
		return lua.LString(err.Error()), false
	}
	return nil, true
}

// Pcall is pcall(f, ...) of the sandbox: it does not let a script swallow
// the end of its run's context.
func (p Protector) Pcall(L *lua.LState) int {
	v := L.CheckAny(1)
	if v.Type() != lua.LTFunction && L.GetMetaField(v, "__call").Type() != lua.LTFunction {
		L.Push(lua.LFalse)
		L.Push(lua.LString("attempt to call a " + v.Type().String() + " value"))
		return 2
	}
	if errv, ok := p.protected(L, lua.MultRet); !ok {
		raiseIfDone(L)
		L.SetTop(0)
		L.Push(lua.LFalse)
		L.Push(errv)
		return 2
	}
	L.Insert(lua.LTrue, 1)
	return L.GetTop()
}

// Xpcall is xpcall(f, handler) of the sandbox: f called without
// arguments; on error, false and what handler returns for the error
// object (or the handler's own error). Like Pcall, it does not swallow the
// end of the run's context.
func (p Protector) Xpcall(L *lua.LState) int {
	fn := L.CheckFunction(1)
	handler := L.CheckFunction(2)
	L.SetTop(0)
	L.Push(fn)
	errv, ok := p.protected(L, lua.MultRet)
	if ok {
		L.Insert(lua.LTrue, 1)
		return L.GetTop()
	}
	raiseIfDone(L)
	L.SetTop(0)
	L.Push(handler)
	L.Push(errv)
	if herr, ok := p.protected(L, 1); !ok {
		raiseIfDone(L)
		L.SetTop(0)
		L.Push(lua.LFalse)
		L.Push(herr)
		return 2
	}
	res := L.Get(1)
	L.SetTop(0)
	L.Push(lua.LFalse)
	L.Push(res)
	return 2
}

// gopher-lua's Go functions that yielding must not cross: the VM loop (a
// second one inside a coroutine is a Go-called boundary) and the start of
// a coroutine.
const (
	vmLoop        = "github.com/yuin/gopher-lua.mainLoop"
	vmLoopWithCtx = "github.com/yuin/gopher-lua.mainLoopWithContext"
	coroutineRun  = "github.com/yuin/gopher-lua.threadRun"
)

// yield is coroutine.yield(...): gopher-lua's (return -1 to the VM), but
// a Lua error when the yield would cross a Go-called boundary.
func yield(L *lua.LState) int {
	if L.Parent == nil {
		L.RaiseError("attempt to yield from outside a coroutine")
	}
	if vmLoopsInCoroutine() > 1 {
		L.RaiseError("attempt to yield across a C-call boundary (from inside %s)", boundaryName(L))
	}
	return -1
}

// vmLoopsInCoroutine counts the VM loops on the Go stack since the start
// of the running coroutine: 1 when the yield returns straight to the
// coroutine's own loop.
func vmLoopsInCoroutine() int {
	loops := 0
	pcs := make([]uintptr, 64)
	for skip := 2; ; skip += len(pcs) {
		n := runtime.Callers(skip, pcs)
		frames := runtime.CallersFrames(pcs[:n])
		for {
			f, more := frames.Next()
			switch f.Function {
			case vmLoop, vmLoopWithCtx:
				loops++
			case coroutineRun:
				return loops
			}
			if !more {
				break
			}
		}
		if n < len(pcs) {
			return loops
		}
	}
}

// boundaryName names the Go function (or metamethod) between a yield and
// its coroutine.
func boundaryName(L *lua.LState) string {
	for level := 1; ; level++ {
		dbg, ok := L.GetStack(level)
		if !ok {
			return "a metamethod or for iterator"
		}
		if _, err := L.GetInfo("nS", dbg, nil); err != nil || dbg.What != "G" {
			continue
		}
		if dbg.Name != "" && dbg.Name != "(anonymous)" {
			return "function '" + dbg.Name + "'"
		}
	}
}

// tailCalls returns the tail calls the frame of dbg made (gopher-lua
// counts them in the frame but has no API for them; GetStack counts each
// as a level).
func tailCalls(dbg *lua.Debug) int {
	f := reflect.ValueOf(dbg).Elem().FieldByName("frame")
	if !f.IsValid() || f.IsNil() {
		return 0
	}
	tc := f.Elem().FieldByName("TailCall")
	if !tc.IsValid() {
		return 0
	}
	return int(tc.Int())
}

// Traceback returns the stack traceback of L from level on, in
// gopher-lua's format, with at most tracebackLevels1 + tracebackLevels2
// frames and one line for the tail calls of a frame.
func Traceback(L *lua.LState, level int) string {
	var lines []string
	total := 0 // frames seen
	var last []string
	for {
		dbg, ok := L.GetStack(level)
		if !ok {
			break
		}
		if _, err := L.GetInfo("Sln", dbg, nil); err != nil {
			break
		}
		tc := 0
		if dbg.What != "G" {
			tc = tailCalls(dbg)
		}
		frame := []string{capLine(frameLine(dbg))}
		if tc > 0 {
			frame = append(frame, fmt.Sprintf("\t(...%d tail calls...)", tc))
		}
		if total < tracebackLevels1 {
			lines = append(lines, frame...)
		} else {
			last = append(last, frame...)
			if len(last) > 2*tracebackLevels2 {
				last = last[len(last)-2*tracebackLevels2:]
			}
		}
		total++
		level += 1 + tc
	}
	if total > tracebackLevels1+tracebackLevels2 {
		lines = append(lines, fmt.Sprintf("\t...(%d frames skipped)...", total-tracebackLevels1-tracebackLevels2))
		last = lastFrames(last, tracebackLevels2)
	}
	lines = append(lines, last...)
	return "stack traceback:\n" + strings.Join(lines, "\n")
}

// lastFrames keeps the lines of the last n frames of lines (a frame is a
// line, with a tail call line after it).
func lastFrames(lines []string, n int) []string {
	frames := 0
	for i := len(lines) - 1; i >= 0; i-- {
		if strings.HasPrefix(lines[i], "\t(...") {
			continue
		}
		if frames++; frames == n {
			return lines[i:]
		}
	}
	return lines
}

// frameLine is the traceback line of a frame.
func frameLine(dbg *lua.Debug) string {
	where := "[G]:"
	if dbg.What != "G" {
		where = fmt.Sprintf("%s:%d:", dbg.Source, dbg.CurrentLine)
	}
	name := dbg.Name
	switch {
	case name == "main chunk":
	case name == "corountine": // sic, gopher-lua's
		name = "coroutine"
	case name == "":
		name = "?"
	case name[0] == '(' || name[0] == '<':
		name = "function " + name
	default:
		name = "function '" + name + "'"
	}
	return "\t" + where + " in " + name
}

// capLine cuts a traceback line to maxTracebackLine bytes.
func capLine(s string) string {
	if len(s) <= maxTracebackLine {
		return s
	}
	return s[:maxTracebackLine] + "..."
}
