package json

import (
	stdjson "encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	lua "github.com/yuin/gopher-lua"

	"github.com/soracron/soracron/bindings/json/internal/numtext"
	"github.com/soracron/soracron/sora"
)

// Encode encodes a Lua value as compact JSON following the rules on
// Loader: object keys sorted, json.null as null, marked or inferred
// arrays and objects. Values without a JSON form are a *PathError naming
// the offending key ("bad value at a.b[2]: ...", "cycle at a.b").
// Output longer than MaxBytes is an error matching ErrTooLarge
// (a table referenced many times can be small in memory and huge as JSON).
func Encode(v lua.LValue) ([]byte, error) { return encodeJSON(v, MaxBytes) }

// encodeJSON is Encode with a limit of max bytes of output.
func encodeJSON(v lua.LValue, max int) ([]byte, error) {
	e := jsonEncoder{buf: make([]byte, 0, 256), max: max}
	e.collect = true
	if err := e.value(v); err != nil {
		return nil, err
	}
	return e.buf, nil
}

// jsonEncoder writes JSON text straight from Lua values.
type jsonEncoder struct {
	tableWalker
	buf []byte
	max int // longest output
}

func (e *jsonEncoder) value(v lua.LValue) error {
	if err := e.write(v); err != nil {
		return err
	}
	if len(e.buf) > e.max {
		return tooLarge(e.path.root, e.max)
	}
	return nil
}

// write appends the JSON form of v.
func (e *jsonEncoder) write(v lua.LValue) error {
	switch v := v.(type) {
	case lua.LString:
		var ok bool
		if e.buf, ok = sora.AppendString(e.buf, string(v)); !ok {
			return e.path.errAt(detail(ErrValue, "string is not valid UTF-8"))
		}
	case lua.LNumber:
		var ok bool
		if e.buf, ok = numtext.Append(e.buf, float64(v)); !ok {
			return e.path.errAt(numberError(float64(v)))
		}
	case lua.LBool:
		e.buf = strconv.AppendBool(e.buf, bool(v))
	case *lua.LNilType:
		e.buf = append(e.buf, "null"...)
	case *lua.LTable:
		return e.table(v)
	case *lua.LUserData:
		if s, ok := NumberText(v); ok {
			e.buf = append(e.buf, s...)
			return nil
		}
		if !isJSONNull(v) {
			return e.path.errAt(typeError(v))
		}
		e.buf = append(e.buf, "null"...)
	default:
		return e.path.errAt(typeError(v))
	}
	return nil
}

func (e *jsonEncoder) table(t *lua.LTable) error {
	if err := e.enter(t); err != nil {
		return err
	}
	defer e.leave()
	base := len(e.kvs)
	kind, n, err := e.classify(t)
	if err != nil {
		return err
	}
	if kind == kindArray {
		e.buf = append(e.buf, '[')
		for i := 1; i <= n; i++ {
			if i > 1 {
				e.buf = append(e.buf, ',')
			}
			e.path.pushIdx(i)
			if err := e.value(t.RawGetInt(i)); err != nil {
				return err
			}
			e.path.pop()
		}
		e.buf = append(e.buf, ']')
		return nil
	}
	members := e.kvs[base:]
	slices.SortFunc(members, func(a, b kv) int { return strings.Compare(a.key, b.key) })
	e.buf = append(e.buf, '{')
	for i := base; i < base+n; i++ {
		if i > base {
			e.buf = append(e.buf, ',')
		}
		m := e.kvs[i] // e.kvs may grow (and move) while children are encoded
		var ok bool
		if e.buf, ok = sora.AppendString(e.buf, m.key); !ok {
			return e.path.errAtKey(lua.LString(m.key), detail(ErrValue, "key is not valid UTF-8"))
		}
		e.buf = append(e.buf, ':')
		e.path.pushKey(m.key)
		if err := e.value(m.val); err != nil {
			return err
		}
		e.path.pop()
	}
	e.buf = append(e.buf, '}')
	clear(e.kvs[base:])
	e.kvs = e.kvs[:base]
	return nil
}

// FromLuaPath converts a Lua value to a Go JSON value: map[string]any,
// []any, stdjson.Number (for every number), string, bool, or nil (for
// json.null and a top-level nil), following the rules on Loader. Errors are
// *PathError with paths starting at root: with root "metadata" an error
// reads `bad value at metadata.a[3]: ...`; with root "" paths are relative
// to the value ("a[3]").
//
// A value whose JSON form is longer than MaxBytes is an error matching
// ErrTooLarge.
func FromLuaPath(v lua.LValue, root string) (any, error) {
	c := fromLua{max: MaxBytes}
	c.path.root = root
	c.collect = true
	return c.value(v)
}

// fromLua converts Lua values to Go JSON values.
type fromLua struct {
	tableWalker
	num       [32]byte
	size, max int // JSON size of what was converted so far (about), limit
}

// grow counts n more bytes of JSON and checks the limit.
func (c *fromLua) grow(n int) error {
	if c.size += n; c.size > c.max {
		return tooLarge(c.path.root, c.max)
	}
	return nil
}

func (c *fromLua) value(v lua.LValue) (any, error) {
	switch v := v.(type) {
	case lua.LString:
		if err := c.grow(len(v) + 3); err != nil {
			return nil, err
		}
		if !utf8.ValidString(string(v)) {
			return nil, c.path.errAt(detail(ErrValue, "string is not valid UTF-8"))
		}
		return string(v), nil
	case lua.LNumber:
		if err := c.grow(8); err != nil {
			return nil, err
		}
		f := float64(v)
		if f == math.Trunc(f) && math.Abs(f) < 1e15 && (f != 0 || !math.Signbit(f)) {
			return stdjson.Number(strconv.FormatInt(int64(f), 10)), nil
		}
		b, ok := numtext.Append(c.num[:0], f)
		if !ok {
			return nil, c.path.errAt(numberError(f))
		}
		return stdjson.Number(b), nil
	case lua.LBool:
		return bool(v), c.grow(6)
	case *lua.LNilType:
		return nil, c.grow(5)
	case *lua.LTable:
		if err := c.grow(2); err != nil {
			return nil, err
		}
		return c.table(v)
	case *lua.LUserData:
		if isJSONNull(v) {
			return nil, c.grow(5)
		}
		if s, ok := NumberText(v); ok {
			return stdjson.Number(s), c.grow(len(s))
		}
	}
	return nil, c.path.errAt(typeError(v))
}

func (c *fromLua) table(t *lua.LTable) (any, error) {
	if err := c.enter(t); err != nil {
		return nil, err
	}
	defer c.leave()
	base := len(c.kvs)
	kind, n, err := c.classify(t)
	if err != nil {
		return nil, err
	}
	if kind == kindArray {
		arr := make([]any, n)
		for i := 1; i <= n; i++ {
			c.path.pushIdx(i)
			v, err := c.value(t.RawGetInt(i))
			if err != nil {
				return nil, err
			}
			c.path.pop()
			arr[i-1] = v
		}
		return arr, nil
	}
	obj := make(map[string]any, n)
	for i := base; i < base+n; i++ {
		m := c.kvs[i]
		if err := c.grow(len(m.key) + 3); err != nil {
			return nil, err
		}
		if !utf8.ValidString(m.key) {
			return nil, c.path.errAtKey(lua.LString(m.key), detail(ErrValue, "key is not valid UTF-8"))
		}
		c.path.pushKey(m.key)
		v, err := c.value(m.val)
		if err != nil {
			return nil, err
		}
		c.path.pop()
		obj[m.key] = v
	}
	clear(c.kvs[base:])
	c.kvs = c.kvs[:base]
	return obj, nil
}
