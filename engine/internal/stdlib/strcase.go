package stdlib

import (
	"strings"
	"unicode/utf8"

	lua "github.com/yuin/gopher-lua"
)

// strChunk is how many bytes string.upper, lower and reverse convert
// between checks of the run's context (about a millisecond of work).
const strChunk = 1 << 20

// checkEveryElems is how many elements table.concat takes between checks
// of the run's context.
const checkEveryElems = 1 << 16

// upper is string.upper(s): gopher-lua's (strings.ToUpper), by chunks.
func upper(L *lua.LState) int { return mapChunks(L, strings.ToUpper) }

// lower is string.lower(s): gopher-lua's (strings.ToLower), by chunks.
func lower(L *lua.LState) int { return mapChunks(L, strings.ToLower) }

// mapChunks pushes f of the string argument, applied to chunks of about
// strChunk bytes cut at the start of a UTF-8 sequence (so that the result
// is that of f on the whole string), checking the run's context between
// them.
func mapChunks(L *lua.LState, f func(string) string) int {
	s := L.CheckString(1)
	if len(s) <= strChunk {
		L.Push(lua.LString(f(s)))
		return 1
	}
	var b strings.Builder
	b.Grow(len(s))
	for start := 0; start < len(s); {
		end := min(len(s), start+strChunk)
		for end < len(s) && !utf8.RuneStart(s[end]) {
			end++
		}
		b.WriteString(f(s[start:end]))
		start = end
		raiseIfDone(L)
	}
	L.Push(lua.LString(b.String()))
	return 1
}

// reverse is string.reverse(s), checking the run's context every
// strChunk bytes.
func reverse(L *lua.LState) int {
	s := L.CheckString(1)
	out := make([]byte, len(s))
	for i, j := 0, len(s)-1; j >= 0; i, j = i+1, j-1 {
		out[i] = s[j]
		if i%strChunk == strChunk-1 {
			raiseIfDone(L)
		}
	}
	L.Push(lua.LString(out))
	return 1
}
