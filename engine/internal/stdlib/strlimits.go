package stdlib

import (
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// maxFormatDigits is the longest width or precision of a string.format
// directive, as in C Lua (99).
const maxFormatDigits = 2

// strLimits replaces the functions of the string and table libraries that
// can build strings much larger than their arguments, or whose time grows
// faster than their input's size, so that a script cannot make the host
// allocate without bound in one call, nor outlive its run in one call (a
// Go function is not interrupted by the run's timeout: these check it):
//
//   - string.rep: refused when the result would be over max bytes;
//   - string.format: widths and precisions of at most 2 digits (as in C
//     Lua), and refused when its string arguments are over max bytes;
//   - table.concat: refused when the result would be over max bytes,
//     checks the run's context as it goes (and takes any number of
//     elements: gopher-lua's put them all on the data stack);
//   - string.find, match, gmatch and gsub: the engine's matcher, which
//     checks the run's context (strmatch.go); gsub builds its result in
//     one pass and is refused when it grows over max bytes;
//   - string.upper, lower and reverse: by chunks, checking the run's
//     context between them;
//   - table.sort: checks the run's context every few thousand comparisons.
type strLimits struct {
	max int
	// gopher-lua's string.format, called after the checks
	stringFormat lua.LGFunction
}

// limitStrings replaces the functions of lib's libraries with those of a
// strLimits of max bytes.
func limitStrings(lib *Lib, max int) {
	lim := strLimits{max: max, stringFormat: lib.fn("string", "format")}
	lib.override("string", "rep", lim.rep)
	lib.override("string", "format", lim.format)
	lib.override("string", "gsub", lim.gsub)
	lib.override("string", "gmatch", gmatch)
	lib.override("string", "find", find)
	lib.override("string", "match", match)
	lib.override("string", "upper", upper)
	lib.override("string", "lower", lower)
	lib.override("string", "reverse", reverse)
	lib.override("table", "concat", lim.concat)
	lib.override("table", "sort", tableSort)
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
// precisions, refused when its format and string arguments are over the
// limit (the result is at least as large).
func (lim strLimits) format(L *lua.LState) int {
	f := L.CheckString(1)
	size := uint64(len(f))
	for i := 2; i <= L.GetTop(); i++ {
		if s, ok := L.Get(i).(lua.LString); ok {
			size += uint64(len(s))
		}
	}
	if size > uint64(lim.max) {
		lim.tooLarge(L, "string.format")
	}
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

// concat is table.concat(t [, sep [, i [, j]]]) with gopher-lua's handling
// of i and j, a limit on the result and checks of the run's context.
func (lim strLimits) concat(L *lua.LState) int {
	t := L.CheckTable(1)
	sep := L.OptString(2, "")
	n := t.Len()
	i := L.OptInt(3, 1)
	j := L.OptInt(4, n)
	if L.GetTop() == 3 && (i > n || i < 1) {
		L.Push(lua.LString(""))
		return 1
	}
	i = max(min(i, n), 1)
	j = min(j, n)
	var b strings.Builder
	for k := i; k <= j; k++ {
		var s string
		switch v := t.RawGetInt(k).(type) {
		case lua.LString:
			s = string(v)
		case lua.LNumber:
			s = v.String()
		default:
			L.RaiseError("invalid value (%s) at index %d in table for concat", v.Type().String(), k)
		}
		size := uint64(b.Len()) + uint64(len(s))
		if k != j {
			size += uint64(len(sep))
		}
		if size > uint64(lim.max) {
			lim.tooLarge(L, "table.concat")
		}
		b.WriteString(s)
		if k != j {
			b.WriteString(sep)
		}
		if (k-i)%checkEveryElems == checkEveryElems-1 {
			raiseIfDone(L)
		}
	}
	L.Push(lua.LString(b.String()))
	return 1
}
