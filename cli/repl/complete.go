package repl

import (
	"slices"
	"strings"

	lua "github.com/yuin/gopher-lua"

	luajson "github.com/soracron/soracron/bindings/json"
)

// completer completes the REPL's input with readline: the name being typed
// at the cursor, a global (sora) or a field of a table reached through
// globals (json.en -> json.encode, also after ':').
type completer struct{ r *Session }

// luaKeywords are completed with the globals.
var luaKeywords = []string{"and", "break", "do", "else", "elseif", "end", "false", "for", "function",
	"if", "in", "local", "nil", "not", "or", "repeat", "return", "then", "true", "until", "while"}

// Do returns the completions of the name ending at pos: the rest of each
// candidate after the part typed, and the length of that part.
func (c completer) Do(line []rune, pos int) ([][]rune, int) {
	path, partial := nameAt(string(line[:pos]))
	var cands []string
	if len(path) == 0 {
		cands = append(tableKeys(c.r.sess.State().G.Global), luaKeywords...)
	} else {
		t := c.r.sess.State().G.Global
		for _, name := range path {
			luajson.Fill(t) // a lazy table (a List's connection) shows its fields
			next, ok := t.RawGetString(name).(*lua.LTable)
			if !ok {
				return nil, 0
			}
			t = next
		}
		cands = tableKeys(t)
	}
	slices.Sort(cands)
	cands = slices.Compact(cands)
	var out [][]rune
	for _, k := range cands {
		if strings.HasPrefix(k, partial) {
			out = append(out, []rune(k[len(partial):]))
		}
	}
	return out, len([]rune(partial))
}

// nameAt splits the dotted name that ends text ("sora.li") into the path
// of tables (["sora"]) and the partial last name ("li").
func nameAt(text string) (path []string, partial string) {
	i := len(text)
	for i > 0 {
		c := text[i-1]
		if c == '_' || c == '.' || c == ':' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			i--
			continue
		}
		break
	}
	parts := strings.FieldsFunc(text[i:], func(r rune) bool { return r == '.' || r == ':' })
	if strings.HasSuffix(text, ".") || strings.HasSuffix(text, ":") {
		return parts, ""
	}
	if len(parts) == 0 {
		return nil, ""
	}
	return parts[:len(parts)-1], parts[len(parts)-1]
}

// tableKeys returns the keys of t that are names.
func tableKeys(t *lua.LTable) []string {
	luajson.Fill(t)
	var keys []string
	t.ForEach(func(k, _ lua.LValue) {
		if s, ok := k.(lua.LString); ok && isLuaName(string(s)) {
			keys = append(keys, string(s))
		}
	})
	return keys
}
