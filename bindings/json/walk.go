package json

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// Errors wrapped by a PathError; test with errors.Is.
var (
	// ErrCycle: a table contains itself.
	ErrCycle = errors.New("cycle")
	// ErrTooDeep: arrays and objects nest deeper than MaxDepth.
	ErrTooDeep = errors.New("nesting too deep")
	// ErrNumber: a number that is not finite or not exactly representable.
	ErrNumber = errors.New("number not representable")
	// ErrValue: any other value or key that has no JSON form (functions,
	// userdata, bad keys, array holes, invalid UTF-8, unsupported Go types).
	ErrValue = errors.New("value not representable")
	// ErrSyntax: the input of a decode is not JSON (Decode).
	ErrSyntax = errors.New("invalid JSON")
	// ErrTooLarge: the JSON form of a value (or a text to decode) is
	// longer than the limit (MaxBytes, or SetMaxBytes).
	ErrTooLarge = errors.New("too large")
)

// tooLarge is the error of a value whose JSON form is over max bytes; what
// names it ("value", "return value").
func tooLarge(what string, max int) error {
	if what == "" {
		what = "value"
	}
	return &PathError{Err: detail(ErrTooLarge,
		fmt.Sprintf("%s is over %d bytes as JSON (the limit; is a table referenced many times?)", what, max))}
}

// PathError is a conversion error and the path of the offending value,
// e.g. `bad value at metadata.a[3]: function cannot be encoded as JSON` or
// `cycle at a.b`.
type PathError struct {
	// Path is where the bad value is, in Lua notation with 1-based array
	// indices (metadata.a[3], a["x-y"]); "(root)" is the value itself;
	// empty when the whole input of a decode is not JSON (ErrSyntax).
	Path string
	// Err describes the problem; it wraps one of the ErrJSON* errors.
	Err error
}

// Error implements error.
func (e *PathError) Error() string {
	if e.Path == "" {
		return e.Err.Error()
	}
	if errors.Is(e.Err, ErrCycle) {
		return "cycle at " + e.Path
	}
	return "bad value at " + e.Path + ": " + e.Err.Error()
}

// Unwrap returns e.Err.
func (e *PathError) Unwrap() error { return e.Err }

// jsonDetail is an error message that matches one of the ErrJSON* kinds.
type jsonDetail struct {
	kind error
	msg  string
}

func (d *jsonDetail) Error() string        { return d.msg }
func (d *jsonDetail) Is(target error) bool { return target == d.kind }

func detail(kind error, msg string) error { return &jsonDetail{kind: kind, msg: msg} }

// pathSeg is one step of a path: an object key, an array index (idx > 0) or,
// for errors about keys, any other Lua key.
type pathSeg struct {
	key   string
	idx   int
	other lua.LValue
}

// jsonPath is the stack of steps from the root to the current value. It is
// only rendered when an error is reported.
type jsonPath struct {
	root string
	segs []pathSeg
}

func (p *jsonPath) pushKey(k string) { p.segs = append(p.segs, pathSeg{key: k}) }
func (p *jsonPath) pushIdx(i int)    { p.segs = append(p.segs, pathSeg{idx: i}) }
func (p *jsonPath) pop()             { p.segs = p.segs[:len(p.segs)-1] }

// pushLuaKey pushes a Lua table key of any type.
func (p *jsonPath) pushLuaKey(k lua.LValue) {
	switch k := k.(type) {
	case lua.LString:
		p.pushKey(string(k))
	case lua.LNumber:
		if i, ok := arrayIndex(k); ok {
			p.pushIdx(i)
			return
		}
		p.segs = append(p.segs, pathSeg{other: k})
	default:
		p.segs = append(p.segs, pathSeg{other: k})
	}
}

// maxPathSegs is how many steps are shown before a path is shortened.
const maxPathSegs = 48

// String renders the path, e.g. metadata.a[3] or a["x y"].
func (p *jsonPath) String() string {
	var sb strings.Builder
	sb.WriteString(p.root)
	long := len(p.segs) > maxPathSegs
	for i, s := range p.segs {
		if long && i >= maxPathSegs/2 && i < len(p.segs)-maxPathSegs/2 {
			if i == maxPathSegs/2 {
				sb.WriteString("...")
			}
			continue
		}
		switch {
		case s.other != nil:
			sb.WriteByte('[')
			if str, ok := s.other.(lua.LString); ok {
				sb.WriteString(strconv.Quote(string(str)))
			} else {
				sb.WriteString(s.other.String())
			}
			sb.WriteByte(']')
		case s.idx > 0:
			sb.WriteByte('[')
			sb.WriteString(strconv.Itoa(s.idx))
			sb.WriteByte(']')
		case isIdentifier(s.key):
			if sb.Len() > 0 && !(long && i == len(p.segs)-maxPathSegs/2) {
				sb.WriteByte('.')
			}
			sb.WriteString(s.key)
		default:
			sb.WriteByte('[')
			sb.WriteString(strconv.Quote(s.key))
			sb.WriteByte(']')
		}
	}
	if sb.Len() == 0 {
		return "(root)"
	}
	return sb.String()
}

// errAt returns a PathError for the current path.
func (p *jsonPath) errAt(err error) error {
	return &PathError{Path: p.String(), Err: err}
}

// errAtKey returns a PathError for key k of the current table.
func (p *jsonPath) errAtKey(k lua.LValue, err error) error {
	p.pushLuaKey(k)
	defer p.pop()
	return p.errAt(err)
}

// errAtIdx returns a PathError for index i of the current array.
func (p *jsonPath) errAtIdx(i int, err error) error {
	p.pushIdx(i)
	defer p.pop()
	return p.errAt(err)
}

func isIdentifier(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || i > 0 && '0' <= c && c <= '9' {
			continue
		}
		return false
	}
	return true
}

// arrayIndex reports whether k is a positive integer usable as array index.
func arrayIndex(k lua.LNumber) (int, bool) {
	f := float64(k)
	if f >= 1 && f <= 1<<53 && f == math.Trunc(f) {
		return int(f), true
	}
	return 0, false
}

// kv is an object member collected while walking a table.
type kv struct {
	key string
	val lua.LValue
}

// tableWalker holds what the Lua -> JSON walks share: the path, the tables
// being visited (for cycle detection) and scratch space for object members.
type tableWalker struct {
	path     jsonPath
	visiting []*lua.LTable
	kvs      []kv
	collect  bool // classify appends object members to kvs
}

// enter checks depth and cycles before t is walked; leave must follow.
func (w *tableWalker) enter(t *lua.LTable) error {
	if len(w.visiting) >= MaxDepth {
		return w.path.errAt(detail(ErrTooDeep, "nesting deeper than "+strconv.Itoa(MaxDepth)))
	}
	for _, v := range w.visiting {
		if v == t {
			return w.path.errAt(detail(ErrCycle, "cycle"))
		}
	}
	w.visiting = append(w.visiting, t)
	return nil
}

func (w *tableWalker) leave() { w.visiting = w.visiting[:len(w.visiting)-1] }

// classify decides whether t is a JSON array (of t[1..n]) or an object,
// following the rules on Loader (a lazy table is filled first). For
// objects with w.collect set, the members are appended to w.kvs (the
// caller truncates them). Errors name the offending key below the current
// path.
func (w *tableWalker) classify(t *lua.LTable) (kind, n int, err error) {
	Fill(t)
	mk := markerKind(t)
	n = t.Len()
	var next lua.LValue
	if n > 0 {
		next, _ = t.Next(lua.LNumber(n))
	} else {
		next, _ = t.Next(lua.LNil)
	}
	if next == lua.LNil && mk != kindObject {
		// Only the array part (1..n, maybe with holes), or empty.
		if n == 0 && mk == kindNone {
			return kindObject, 0, nil // unmarked empty table: {}
		}
		for i := 1; i <= n; i++ {
			if t.RawGetInt(i) == lua.LNil {
				return 0, 0, w.path.errAtIdx(i, detail(ErrValue, "array has a hole (nil); use json.null for gaps"))
			}
		}
		return kindArray, n, nil
	}
	if mk == kindArray {
		if _, ok := next.(lua.LNumber); ok && isPositiveIndex(next) {
			return 0, 0, w.path.errAtIdx(firstHole(t), detail(ErrValue, "array has a hole (nil); use json.null for gaps"))
		}
		return 0, 0, w.path.errAtKey(next, detail(ErrValue, "array has a key that is not an index 1..n"))
	}
	// General case: scan every key.
	base := len(w.kvs)
	var firstStr lua.LValue
	strs, ints := 0, 0
	for k, v := t.Next(lua.LNil); k != lua.LNil; k, v = t.Next(k) {
		switch key := k.(type) {
		case lua.LString:
			if firstStr == nil {
				firstStr = k
			}
			strs++
			if w.collect {
				w.kvs = append(w.kvs, kv{string(key), v})
			}
			continue
		case lua.LNumber:
			if _, ok := arrayIndex(key); ok && mk == kindNone {
				ints++
				continue
			}
		}
		w.kvs = w.kvs[:base]
		if mk == kindObject {
			return 0, 0, w.path.errAtKey(k, detail(ErrValue, "object key must be a string, got "+k.Type().String()))
		}
		return 0, 0, w.path.errAtKey(k, detail(ErrValue, "key of type "+k.Type().String()+" is neither a string nor an array index 1..n"))
	}
	switch {
	case ints == 0:
		return kindObject, strs, nil
	case firstStr != nil:
		w.kvs = w.kvs[:base]
		return 0, 0, w.path.errAtKey(firstStr, detail(ErrValue, "table mixes array elements and string keys"))
	default: // only integer keys, and not just the array part: sparse
		return 0, 0, w.path.errAtIdx(firstHole(t), detail(ErrValue, "sparse array (missing element); use json.null for gaps"))
	}
}

func isPositiveIndex(v lua.LValue) bool {
	n, ok := v.(lua.LNumber)
	if !ok {
		return false
	}
	_, ok = arrayIndex(n)
	return ok
}

// firstHole returns the smallest index i >= 1 with t[i] == nil.
func firstHole(t *lua.LTable) int {
	i := 1
	for t.RawGet(lua.LNumber(i)) != lua.LNil {
		i++
	}
	return i
}

// typeError is the error for a Lua value that has no JSON form.
func typeError(v lua.LValue) error {
	return detail(ErrValue, v.Type().String()+" cannot be encoded as JSON")
}

// numberError is the error for a float that has no JSON form.
func numberError(f float64) error {
	return detail(ErrNumber, strconv.FormatFloat(f, 'g', -1, 64)+" is not a valid JSON number")
}

// clip shortens a long number text for error messages.
func clip(s string) string {
	if len(s) > 40 {
		return s[:37] + "..."
	}
	return s
}

// validJSONNumber reports whether s has the syntax of a JSON number.
func validJSONNumber(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && '1' <= s[i] && s[i] <= '9':
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
	default:
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		d := i
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
		if i == d {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		d := i
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
		if i == d {
			return false
		}
	}
	return i == len(s)
}
