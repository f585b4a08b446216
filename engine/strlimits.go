package engine

import (
	"fmt"
	"strings"
	"unsafe"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/pm"
)

// DefaultMaxStringBytes is the default of Options.MaxStringBytes.
//
// What bounds a run's use of the host:
//
//   - Time: the run's timeout (or cancellation) stops Lua code anywhere:
//     in loops, under pcall and xpcall (nested or not, in their handlers),
//     in coroutines, metamethods and callbacks (table.sort, string.gsub).
//     A Go function that the script called is not interrupted: the run
//     ends when it returns. The slow ones are bounded by the limits below,
//     except pattern matching (string.find, match, gmatch, gsub), whose
//     cost can grow with the square of the subject's length.
//   - Strings built in one call: string.rep, table.concat, string.gsub,
//     json.encode output and json.decode input are refused beyond
//     MaxStringBytes; string.format takes widths and precisions of at most
//     2 digits; the JSON form of a return value, of a value written with
//     the sora module and of json.encode is refused beyond 32 MiB
//     (bindings.JSONMaxBytes), which stops a table referenced many times
//     (small in memory, huge as JSON); Sora's replies are refused beyond
//     the client's MaxResponseBytes (32 MiB by default).
//   - Stacks: at most 1024 nested calls (stack overflow) and 1,048,576
//     values on the data stack (registry overflow).
//
// What is not bounded: memory the script builds step by step. Each .. of
// two strings, each table insertion, each coroutine allocates, and Go
// cannot account memory per run, so a loop that doubles a string (s = s ..
// s) or fills a table can exhaust the host's memory before the timeout
// ends it. Scripts are trusted code; run the daemon with an OS memory
// limit (systemd MemoryMax=, a container limit) so that such a script
// takes down only soracron, which a supervisor restarts (runs in progress
// are then recorded as interrupted).
const DefaultMaxStringBytes = 32 << 20

// maxFormatDigits is the longest width or precision of a string.format
// directive, as in C Lua (99).
const maxFormatDigits = 2

// gsubCheckEvery is how many matches string.gsub makes between checks of
// the run's context.
const gsubCheckEvery = 1024

// strLimits replaces the functions of the string and table libraries that
// can build strings much larger than their arguments, so that a script
// cannot make the host allocate without bound in one call (a Go function
// is not interrupted by the run's timeout):
//
//   - string.rep: refused when the result would be over max bytes;
//   - string.format: widths and precisions of at most 2 digits (as in C
//     Lua), so the result stays within the size of the arguments;
//   - table.concat: refused when the result would be over max bytes;
//   - string.gsub: rewritten to build its result in one pass (gopher-lua's
//     copies the whole string at every match and collects every match
//     first), refused when the result grows over max bytes, and stopped
//     when the run's context ends;
//   - string.gmatch: finds one match per iteration instead of every match
//     up front.
type strLimits struct {
	max int
	// gopher-lua's string.format and table.concat, called after the checks
	stringFormat, tableConcat lua.LGFunction
}

// limitStrings replaces the functions of std's libraries with those of a
// strLimits of max bytes.
func limitStrings(std *stdLib, max int) {
	lim := strLimits{max: max, stringFormat: std.fn("string", "format"), tableConcat: std.fn("table", "concat")}
	std.override("string", "rep", lim.rep)
	std.override("string", "format", lim.format)
	std.override("string", "gsub", lim.gsub)
	std.override("string", "gmatch", lim.gmatch)
	std.override("table", "concat", lim.concat)
}

// field returns the field key of library lib.
func (std *stdLib) field(lib, key string) *libField {
	for i := range std.libs {
		if std.libs[i].name != lib {
			continue
		}
		fields := std.libs[i].fields
		for j := range fields {
			f := &fields[j]
			if f.key != key {
				continue
			}
			if f.alias >= 0 { // string.gfind is string.gmatch
				f = &fields[f.alias]
			}
			if f.fn != nil {
				return f
			}
		}
	}
	panic("engine: gopher-lua has no Go function " + lib + "." + key)
}

// fn returns the Go function key of library lib.
func (std *stdLib) fn(lib, key string) lua.LGFunction { return std.field(lib, key).fn }

// override replaces the Go function key of library lib (and its aliases).
func (std *stdLib) override(lib, key string, fn lua.LGFunction) {
	f := std.field(lib, key)
	f.fn, f.upvals = fn, nil
}

// tooLarge raises the error of a result over the limit.
func (lim strLimits) tooLarge(L *lua.LState, fn string) {
	L.RaiseError("%s: result too large (over the limit of %d bytes)", fn, lim.max)
}

// rep is string.rep(s, n) with a limit on the result.
func (lim strLimits) rep(L *lua.LState) int {
	s := L.CheckString(1)
	n := L.CheckInt(2)
	if n > 0 && len(s) > 0 && n > lim.max/len(s) {
		lim.tooLarge(L, "string.rep")
	}
	if n <= 0 || s == "" {
		L.Push(lua.LString(""))
		return 1
	}
	L.Push(lua.LString(strings.Repeat(s, n)))
	return 1
}

// format is gopher-lua's string.format with C Lua's limit on widths and
// precisions.
func (lim strLimits) format(L *lua.LState) int {
	f := L.CheckString(1)
	for i := 0; i < len(f); i++ {
		if f[i] != '%' {
			continue
		}
		i++
		if i < len(f) && f[i] == '%' {
			continue
		}
		for i < len(f) && strings.IndexByte("-+ #0", f[i]) >= 0 {
			i++
		}
		for _, part := range []bool{false, true} { // width, then precision
			if part {
				if i >= len(f) || f[i] != '.' {
					break
				}
				i++
			}
			digits := 0
			for i < len(f) && f[i] >= '0' && f[i] <= '9' {
				i++
				digits++
			}
			if digits > maxFormatDigits {
				L.RaiseError("invalid format (width or precision too long)")
			}
		}
	}
	return lim.stringFormat(L)
}

// concat is table.concat(t [, sep [, i [, j]]]) with a limit on the result.
func (lim strLimits) concat(L *lua.LState) int {
	t := L.CheckTable(1)
	sep := L.OptString(2, "")
	n := t.Len()
	i := max(L.OptInt(3, 1), 1)
	j := min(L.OptInt(4, n), n)
	var size uint64
	for k := i; k <= j; k++ {
		switch v := t.RawGetInt(k).(type) {
		case lua.LString:
			size += uint64(len(v))
		case lua.LNumber:
			size += 24
		default:
			k = j // not a string: the original raises the error
		}
		if k < j {
			size += uint64(len(sep))
		}
		if size > uint64(lim.max) {
			lim.tooLarge(L, "table.concat")
		}
	}
	return lim.tableConcat(L)
}

// readOnlyBytes returns the bytes of s without copying; they must not be
// modified (the pattern matcher only reads them).
func readOnlyBytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

// nextMatch finds the first match of pat in src at or after sp; ok is false
// when there is none.
func nextMatch(L *lua.LState, pat string, src []byte, sp int) (*pm.MatchData, bool) {
	if sp > len(src) {
		return nil, false
	}
	ms, err := pm.Find(pat, src, sp, 1)
	if err != nil {
		L.RaiseError("%s", err.Error())
	}
	if len(ms) == 0 {
		return nil, false
	}
	return ms[0], true
}

// after returns where the search continues after match m found from sp:
// past the match, or one byte further for an empty match.
func after(m *pm.MatchData) int { return max(m.Capture(0)+1, m.Capture(1)) }

// capture returns capture idx (2, 4, ...; 0 is the whole match) of m as
// gopher-lua's gsub does: the whole match for capture 1 of a pattern
// without captures, a position capture as its number.
func capture(L *lua.LState, m *pm.MatchData, src string, idx int) string {
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

// gsub is string.gsub(s, pattern, repl [, n]) with gopher-lua's semantics
// (repl a string with %0-%9 and %%, a table indexed by the first capture,
// or a function of the captures; false or nil keeps the match), built in
// one pass, with a limit on the result. A negative n is no limit, as in
// gopher-lua; n = 0 replaces nothing, as in C Lua.
func (lim strLimits) gsub(L *lua.LState) int {
	str := L.CheckString(1)
	pat := L.CheckString(2)
	L.CheckTypes(3, lua.LTString, lua.LTTable, lua.LTFunction)
	repl := L.CheckAny(3)
	limit := L.OptInt(4, -1)
	src := readOnlyBytes(str)
	ctx := L.Context()
	anchored := strings.HasPrefix(pat, "^")
	var out []byte
	n, last := 0, 0
	for sp := 0; limit < 0 || n < limit; {
		m, ok := nextMatch(L, pat, src, sp)
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
			nargs := 0
			if m.CaptureLength() > 2 {
				for i := 2; i < m.CaptureLength(); i += 2 {
					if m.IsPosCapture(i) {
						L.Push(lua.LNumber(m.Capture(i)))
					} else {
						L.Push(lua.LString(capture(L, m, str, i)))
					}
					nargs++
				}
			} else {
				L.Push(lua.LString(str[start:end]))
				nargs++
			}
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
		if n%gsubCheckEvery == 0 && ctx != nil && ctx.Err() != nil {
			L.RaiseError("%s", ctx.Err())
		}
		if anchored {
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
func expand(L *lua.LState, out []byte, repl string, m *pm.MatchData, src string) []byte {
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

// gmatch is string.gmatch(s, pattern): an iterator that finds one match
// per call (gopher-lua's finds every match before the first call).
func (lim strLimits) gmatch(L *lua.LState) int {
	str := L.CheckString(1)
	pat := L.CheckString(2)
	if _, err := pm.Find(pat, nil, 0, 1); err != nil { // a bad pattern fails here, not in the loop
		L.RaiseError("%s", err.Error())
	}
	src := readOnlyBytes(str)
	anchored := strings.HasPrefix(pat, "^")
	sp, done := 0, false
	L.Push(L.NewFunction(func(L *lua.LState) int {
		if done {
			return 0
		}
		m, ok := nextMatch(L, pat, src, sp)
		if !ok {
			done = true
			return 0
		}
		sp = after(m)
		done = anchored
		if m.CaptureLength() == 2 {
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
	}))
	return 1
}
