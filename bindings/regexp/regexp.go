package regexp

import (
	"math"
	"regexp"
	"strings"

	lru "github.com/hashicorp/golang-lru/v2"
	lua "github.com/yuin/gopher-lua"
)

// Limits of the module.
const (
	// MaxPatternBytes is the longest pattern the module compiles.
	MaxPatternBytes = 64 << 10
	// DefaultCacheSize is the number of compiled patterns an engine keeps.
	DefaultCacheSize = 256
	// MaxMatches is the most matches find_all and gsub handle in one
	// call (their indexes are held in memory at once).
	MaxMatches = 1 << 20
	// checkEvery is how many matches gsub makes between checks of the
	// run's context.
	checkEvery = 256
)

// Module is the regexp module of an engine: its compiled-pattern cache is
// shared by every run and safe for concurrent use.
type Module struct {
	maxBytes int
	cache    *lru.Cache[string, *regexp.Regexp]
}

// New returns the regexp module refusing gsub results over maxBytes bytes
// (no limit when maxBytes <= 0), caching cacheSize compiled patterns
// (DefaultCacheSize when <= 0).
func New(maxBytes, cacheSize int) *Module {
	if maxBytes <= 0 {
		maxBytes = math.MaxInt
	}
	if cacheSize <= 0 {
		cacheSize = DefaultCacheSize
	}
	c, err := lru.New[string, *regexp.Regexp](cacheSize)
	if err != nil {
		panic("regexp: " + err.Error()) // only for a size <= 0
	}
	return &Module{maxBytes: maxBytes, cache: c}
}

// functions is the module's function table.
func (m *Module) functions() map[string]lua.LGFunction {
	return map[string]lua.LGFunction{
		"match":    m.match,
		"find":     m.find,
		"find_all": m.findAll,
		"gsub":     m.gsub,
	}
}

// Loader is the lua.LGFunction of require("regexp").
func (m *Module) Loader(L *lua.LState) int {
	api := m.functions()
	L.Push(L.SetFuncs(L.CreateTable(0, len(api)), api))
	return 1
}

// compile returns the compiled pattern of argument 1, from the cache when
// it is there, raising an error naming fn when it does not compile.
func (m *Module) compile(L *lua.LState, fn string) *regexp.Regexp {
	pat := L.CheckString(1)
	if re, ok := m.cache.Get(pat); ok {
		return re
	}
	if len(pat) > MaxPatternBytes {
		L.ArgError(1, "pattern too long (over "+lua.LNumber(MaxPatternBytes).String()+" bytes)")
	}
	re, err := regexp.Compile(pat)
	if err != nil {
		L.RaiseError("regexp.%s: bad pattern %q: %s", fn, pat, strings.TrimPrefix(err.Error(), "error parsing regexp: "))
	}
	m.cache.Add(pat, re)
	return re
}

// CacheLen returns the number of patterns in the cache.
func (m *Module) CacheLen() int { return m.cache.Len() }

func (m *Module) match(L *lua.LState) int {
	re := m.compile(L, "match")
	L.Push(lua.LBool(re.MatchString(L.CheckString(2))))
	return 1
}

// groups returns the submatches of a match (indexes as from
// FindStringSubmatchIndex) as a table: the groups by number, and by name
// for named groups; a group that did not take part is false.
func groups(L *lua.LState, re *regexp.Regexp, s string, loc []int) *lua.LTable {
	n := len(loc)/2 - 1
	t := L.CreateTable(n, 0)
	names := re.SubexpNames()
	for i := 1; i <= n; i++ {
		var v lua.LValue = lua.LFalse
		if loc[2*i] >= 0 {
			v = lua.LString(s[loc[2*i]:loc[2*i+1]])
		}
		t.RawSetInt(i, v)
		if names[i] != "" {
			t.RawSetString(names[i], v)
		}
	}
	return t
}

func (m *Module) find(L *lua.LState) int {
	re := m.compile(L, "find")
	s := L.CheckString(2)
	loc := re.FindStringSubmatchIndex(s)
	if loc == nil {
		L.Push(lua.LNil)
		return 1
	}
	L.Push(lua.LString(s[loc[0]:loc[1]]))
	L.Push(groups(L, re, s, loc))
	return 2
}

func (m *Module) findAll(L *lua.LState) int {
	re := m.compile(L, "find_all")
	s := L.CheckString(2)
	n := L.OptInt(3, -1)
	all := re.FindAllString(s, matchLimit(n))
	tooMany(L, "find_all", len(all))
	t := L.CreateTable(len(all), 0)
	for _, x := range all {
		t.Append(lua.LString(x))
	}
	L.Push(t)
	return 1
}

// matchLimit returns the n to pass to a FindAll method for a call asking
// for n matches (all when negative): at most one more than MaxMatches, so
// that tooMany sees when there are more.
func matchLimit(n int) int {
	if n >= 0 && n <= MaxMatches {
		return n
	}
	return MaxMatches + 1
}

// tooMany raises when found matches are over MaxMatches.
func tooMany(L *lua.LState, fn string, found int) {
	if found > MaxMatches {
		L.RaiseError("regexp.%s: too many matches (over %d); pass a limit", fn, MaxMatches)
	}
}

func (m *Module) gsub(L *lua.LState) int {
	re := m.compile(L, "gsub")
	s := L.CheckString(2)
	repl := L.Get(3)
	var tmpl string
	var fn *lua.LFunction
	switch r := repl.(type) {
	case lua.LString:
		tmpl = string(r)
	case lua.LNumber:
		tmpl = r.String()
	case *lua.LFunction:
		fn = r
	default:
		L.ArgError(3, "replacement must be a string or a function, got "+repl.Type().String())
	}
	limit := L.OptInt(4, -1)
	ctx := L.Context()
	var out []byte
	last, count := 0, 0
	locs := re.FindAllStringSubmatchIndex(s, matchLimit(limit))
	tooMany(L, "gsub", len(locs))
	for _, loc := range locs {
		count++
		if count%checkEvery == 0 && ctx != nil && ctx.Err() != nil {
			L.RaiseError("regexp.gsub: %v", ctx.Err())
		}
		out = append(out, s[last:loc[0]]...)
		if fn != nil {
			L.Push(fn)
			L.Push(lua.LString(s[loc[0]:loc[1]]))
			L.Push(groups(L, re, s, loc))
			L.Call(2, 1)
			v := L.Get(-1)
			L.Pop(1)
			switch v := v.(type) {
			case lua.LString:
				out = append(out, v...)
			case lua.LNumber:
				out = append(out, v.String()...)
			case *lua.LNilType:
				out = append(out, s[loc[0]:loc[1]]...) // nil or false keeps the match
			case lua.LBool:
				if v {
					L.RaiseError("regexp.gsub: the replacement function returned true, want a string, nil or false")
				}
				out = append(out, s[loc[0]:loc[1]]...)
			default:
				L.RaiseError("regexp.gsub: the replacement function returned a %s, want a string, nil or false", v.Type())
			}
		} else {
			out = re.ExpandString(out, tmpl, s, loc)
		}
		last = loc[1]
		if len(out)+len(s)-last > m.maxBytes {
			L.RaiseError("regexp.gsub: result too large (over the limit of %d bytes)", m.maxBytes)
		}
	}
	out = append(out, s[last:]...)
	L.Push(lua.LString(out))
	L.Push(lua.LNumber(count))
	return 2
}
