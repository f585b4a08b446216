package engine

import (
	"fmt"
	"slices"
	"strings"

	"github.com/agnivade/levenshtein"
	lua "github.com/yuin/gopher-lua"
)

// Modules are typo-proof: the table of a preloaded module (sora, json,
// ..., and the testing module of soracron test) gets a metatable whose
// __index and __newindex raise an error at the script's line for a name
// the module does not have, naming the module and the closest names:
//
//	x.lua:3: sora has no field 'lst' (did you mean 'list'?)
//
// instead of the "attempt to call a non-function object" that calling nil
// gives. Reading or replacing a field that exists is unchanged (it does not
// reach the metatable); adding one raises.

// guardModule sets the typo guard on t, the table of module name.
func guardModule(L *lua.LState, name string, t *lua.LTable) {
	if _, ok := t.Metatable.(*lua.LTable); ok {
		return // the module has its own metatable (perhaps hidden by __metatable)
	}
	mt := L.CreateTable(0, 2)
	mt.RawSetString("__index", L.NewFunction(func(L *lua.LState) int {
		L.RaiseError("%s", UnknownField(name, L.Get(2), tableKeys(t)))
		return 0
	}))
	mt.RawSetString("__newindex", L.NewFunction(func(L *lua.LState) int {
		L.RaiseError("cannot add a field to module %s: %s", name, UnknownField(name, L.Get(2), tableKeys(t)))
		return 0
	}))
	L.SetMetatable(t, mt)
}

// tableKeys returns the string keys of t.
func tableKeys(t *lua.LTable) []string {
	var keys []string
	t.ForEach(func(k, _ lua.LValue) {
		if s, ok := k.(lua.LString); ok {
			keys = append(keys, string(s))
		}
	})
	return keys
}

// UnknownField is the message of a module (or any table of known names)
// indexed with key, a name it does not have: "sora has no field 'lst'
// (did you mean 'list'?)".
func UnknownField(module string, key lua.LValue, known []string) string {
	k := key.String()
	if _, ok := key.(lua.LString); ok {
		k = "'" + k + "'"
	}
	msg := fmt.Sprintf("%s has no field %s", module, k)
	if s, ok := key.(lua.LString); ok {
		if near := Suggest(string(s), known); len(near) > 0 {
			msg += " (did you mean " + quoteList(near) + "?)"
		}
	}
	return msg
}

// Suggest returns the known names closest to name: those at the smallest
// edit distance when it is small for the name's length (none for names of
// 1 or 2 letters, at most 1 up to 4 letters, 2 up to 8, 3 beyond), then names that start
// with name or that name starts with. At most 3, sorted.
func Suggest(name string, known []string) []string {
	if len(name) > 64 {
		return nil
	}
	limit := 3
	switch {
	case len(name) <= 2:
		return nil
	case len(name) <= 4:
		limit = 1
	case len(name) <= 8:
		limit = 2
	}
	best := limit + 1
	var out []string
	for _, k := range known {
		d := levenshtein.ComputeDistance(strings.ToLower(name), strings.ToLower(k))
		switch {
		case d < best:
			best, out = d, []string{k}
		case d == best:
			out = append(out, k)
		}
	}
	if len(out) == 0 && len(name) >= 3 {
		for _, k := range known {
			if strings.HasPrefix(k, name) || strings.HasPrefix(name, k) && len(k) >= 3 {
				out = append(out, k)
			}
		}
	}
	slices.Sort(out)
	if len(out) > 3 {
		out = out[:3]
	}
	return out
}

// quoteList writes 'a', 'a' or 'b', 'a', 'b' or 'c'.
func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = "'" + n + "'"
	}
	if len(q) == 1 {
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}
