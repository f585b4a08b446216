package stdlib

import (
	"fmt"
	"strings"
	"unsafe"

	lua "github.com/yuin/gopher-lua"

	"github.com/soracron/soracron/engine/internal/pattern"
)

// The pattern functions of the string library (find, match, gmatch,
// gsub) are the engine's own, on a matcher adapted from gopher-lua's
// (engine/internal/pattern) that checks the run's context every few
// thousand steps: a pathological pattern such as ".-.-.-.-b" on a long
// subject, whose cost grows with a power of the subject's length, stops
// within milliseconds of the run's end instead of running on. They keep
// gopher-lua's semantics otherwise (the differential tests compare them).

// gsubCheckEvery is how many matches string.gsub makes between checks of
// the run's context (each match also checks while it searches).
const gsubCheckEvery = 1024

// plainChunk is how much of the subject a plain string.find searches
// between checks of the run's context.
const plainChunk = 16 << 20

// readOnlyBytes returns the bytes of s without copying; they must not be
// modified (the pattern matcher only reads them).
func readOnlyBytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

// ctxCheck returns the check of L's context (the run's), for the matcher.
func ctxCheck(L *lua.LState) func() error {
	ctx := L.Context()
	if ctx == nil {
		return nil
	}
	return ctx.Err
}

// raiseIfDone raises the error of L's context when it has ended.
func raiseIfDone(L *lua.LState) {
	if ctx := L.Context(); ctx != nil && ctx.Err() != nil {
		L.RaiseError("%s", ctx.Err())
	}
}

// compilePattern compiles pat or raises its error.
func compilePattern(L *lua.LState, pat string) *pattern.Pattern {
	p, err := pattern.Compile(pat)
	if err != nil {
		L.RaiseError("%s", err.Error())
	}
	return p
}

// findFrom finds the first match of p in src at or after sp; ok is false
// when there is none. The run's end or a matcher error is raised.
func findFrom(L *lua.LState, p *pattern.Pattern, src []byte, sp int) (*pattern.MatchData, bool) {
	if sp > len(src) {
		return nil, false
	}
	m, err := p.Find(src, sp, ctxCheck(L))
	if err != nil {
		L.RaiseError("%s", err.Error())
	}
	return m, m != nil
}

// after returns where the search continues after match m found from sp:
// past the match, or one byte further for an empty match.
func after(m *pattern.MatchData) int { return max(m.Capture(0)+1, m.Capture(1)) }

// capture returns capture idx (2, 4, ...; 0 is the whole match) of m as
// gopher-lua's gsub does: the whole match for capture 1 of a pattern
// without captures, a position capture as its number.
func capture(L *lua.LState, m *pattern.MatchData, src string, idx int) string {
	if idx > 2 && idx >= m.CaptureLength() {
		L.RaiseError("invalid capture index")
	}
	if idx >= m.CaptureLength() && idx == 2 {
		idx = 0
	}
	if m.IsPosCapture(idx) {
		return fmt.Sprint(m.Capture(idx))
	}
	return src[m.Capture(idx):m.Capture(idx+1)]
}

// pushCaptures pushes the captures of m (positions as numbers), or the
// whole match when the pattern has none, and returns how many it pushed.
func pushCaptures(L *lua.LState, m *pattern.MatchData, str string, wholeIfNone bool) int {
	if m.CaptureLength() == 2 {
		if !wholeIfNone {
			return 0
		}
		L.Push(lua.LString(str[m.Capture(0):m.Capture(1)]))
		return 1
	}
	for i := 2; i < m.CaptureLength(); i += 2 {
		if m.IsPosCapture(i) {
			L.Push(lua.LNumber(m.Capture(i)))
		} else {
			L.Push(lua.LString(str[m.Capture(i):m.Capture(i+1)]))
		}
	}
	return m.CaptureLength()/2 - 1
}

// strIndex converts a Lua string position (1-based, negative from the
// end) to a byte offset, as gopher-lua's find does.
func strIndex(str string, i int) int {
	if i != 0 {
		i--
	}
	if i < 0 {
		i = len(str) + i + 1
	}
	return max(0, i)
}

// find is string.find(s, pattern [, init [, plain]]).
func find(L *lua.LState) int {
	str := L.CheckString(1)
	pat := L.CheckString(2)
	init := strIndex(str, L.OptInt(3, 1))
	plain := L.GetTop() >= 4 && lua.LVAsBool(L.Get(4))
	if pat == "" {
		L.Push(lua.LNumber(1))
		L.Push(lua.LNumber(0))
		return 2
	}
	if init > len(str) {
		L.Push(lua.LNil)
		return 1
	}
	if plain {
		pos := plainIndex(L, str[init:], pat)
		if pos < 0 {
			L.Push(lua.LNil)
			return 1
		}
		L.Push(lua.LNumber(init + pos + 1))
		L.Push(lua.LNumber(init + pos + len(pat)))
		return 2
	}
	m, ok := findFrom(L, compilePattern(L, pat), readOnlyBytes(str), init)
	if !ok {
		L.Push(lua.LNil)
		return 1
	}
	L.Push(lua.LNumber(m.Capture(0) + 1))
	L.Push(lua.LNumber(m.Capture(1)))
	return 2 + pushCaptures(L, m, str, false)
}

// plainIndex is strings.Index(s, sub), by chunks of plainChunk bytes with
// a check of the run's context between them.
func plainIndex(L *lua.LState, s, sub string) int {
	for start := 0; start < len(s); start += plainChunk {
		end := min(len(s), start+plainChunk+len(sub)-1)
		if i := strings.Index(s[start:end], sub); i >= 0 {
			return start + i
		}
		raiseIfDone(L)
	}
	return -1
}

// match is string.match(s, pattern [, init]).
func match(L *lua.LState) int {
	str := L.CheckString(1)
	pat := L.CheckString(2)
	offset := L.OptInt(3, 1)
	if offset < 0 {
		offset = len(str) + offset + 1
	}
	offset = max(offset-1, 0)
	m, ok := findFrom(L, compilePattern(L, pat), readOnlyBytes(str), offset)
	if !ok {
		L.Push(lua.LNil)
		return 1
	}
	return pushCaptures(L, m, str, true)
}

// gmatch is string.gmatch(s, pattern): an iterator that finds one match
// per call (gopher-lua's finds every match before the first call).
func gmatch(L *lua.LState) int {
	str := L.CheckString(1)
	p := compilePattern(L, L.CheckString(2)) // a bad pattern fails here, not in the loop
	src := readOnlyBytes(str)
	sp, done := 0, false
	L.Push(L.NewFunction(func(L *lua.LState) int {
		if done {
			return 0
		}
		m, ok := findFrom(L, p, src, sp)
		if !ok {
			done = true
			return 0
		}
		sp = after(m)
		done = p.Anchored()
		return pushCaptures(L, m, str, true)
	}))
	return 1
}

// gsub is string.gsub(s, pattern, repl [, n]) with gopher-lua's semantics
// (repl a string with %0-%9 and %%, a table indexed by the first capture,
// or a function of the captures; false or nil keeps the match), built in
// one pass, with a limit on the result. A negative n is no limit, as in
// gopher-lua; n = 0 replaces nothing, as in C Lua.
func (lim strLimits) gsub(L *lua.LState) int {
	str := L.CheckString(1)
	p := compilePattern(L, L.CheckString(2))
	L.CheckTypes(3, lua.LTString, lua.LTTable, lua.LTFunction)
	repl := L.CheckAny(3)
	limit := L.OptInt(4, -1)
	src := readOnlyBytes(str)
	var out []byte
	n, last := 0, 0
	for sp := 0; limit < 0 || n < limit; {
		m, ok := findFrom(L, p, src, sp)
		if !ok {
			break
		}
		start, end := m.Capture(0), m.Capture(1)
		out = append(out, src[last:start]...)
		switch r := repl.(type) {
		case lua.LString:
			out = expand(L, out, string(r), m, str)
		case *lua.LTable:
			idx := 0
			if m.CaptureLength() > 2 {
				idx = 2
			}
			var v lua.LValue
			if m.IsPosCapture(idx) {
				v = L.GetTable(r, lua.LNumber(m.Capture(idx)))
			} else {
				v = L.GetField(r, str[m.Capture(idx):m.Capture(idx+1)])
			}
			out = appendReplacement(out, v, src[start:end])
		case *lua.LFunction:
			L.Push(r)
			nargs := pushCaptures(L, m, str, true)
			L.Call(nargs, 1)
			v := L.Get(-1)
			L.Pop(1)
			out = appendReplacement(out, v, src[start:end])
		}
		last = end
		n++
		if size := uint64(len(out)) + uint64(len(src)-last); size > uint64(lim.max) {
			lim.tooLarge(L, "string.gsub")
		}
		if n%gsubCheckEvery == 0 {
			raiseIfDone(L)
		}
		if p.Anchored() {
			break
		}
		sp = after(m)
	}
	if n == 0 {
		L.SetTop(1)
		L.Push(lua.LNumber(0))
		return 2
	}
	out = append(out, src[last:]...)
	L.Push(lua.LString(out))
	L.Push(lua.LNumber(n))
	return 2
}

// expand appends the replacement string repl for match m: %0-%9 are
// captures, %% is %, any other % is kept as is.
func expand(L *lua.LState, out []byte, repl string, m *pattern.MatchData, src string) []byte {
	for i := 0; i < len(repl); i++ {
		c := repl[i]
		if c != '%' || i == len(repl)-1 {
			out = append(out, c)
			continue
		}
		i++
		switch d := repl[i]; {
		case d == '%':
			out = append(out, '%')
		case d >= '0' && d <= '9':
			out = append(out, capture(L, m, src, 2*int(d-'0'))...)
		default:
			out = append(out, '%', d)
		}
	}
	return out
}

// appendReplacement appends the value a table or function gave for a
// match: the match itself when it is false or nil, its string form
// otherwise (as gopher-lua: "" for a value that is neither a string nor a
// number).
func appendReplacement(out []byte, v lua.LValue, match []byte) []byte {
	if lua.LVIsFalse(v) {
		return append(out, match...)
	}
	return append(out, lua.LVAsString(v)...)
}
