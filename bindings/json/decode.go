package json

import (
	stdjson "encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"

	lua "github.com/yuin/gopher-lua"
)

// ToLua converts a Go JSON value to Lua following the rules on Loader:
// map[string]any (members inserted in sorted key order, so pairs() order is
// deterministic), []any, stdjson.Number, string, bool, nil (-> json.null),
// float64/float32, the integer types, stdjson.RawMessage (decoded), also
// map[string]string, []string, []map[string]any and lua.LValue (as is).
// A value with no exact Lua form raises a Lua error naming the key, so call
// ToLua only from a function called by Lua, or use TryToLua.
func ToLua(L *lua.LState, v any) lua.LValue {
	lv, err := TryToLua(L, v)
	if err != nil {
		L.RaiseError("%s", err.Error())
	}
	return lv
}

// TryToLua is ToLua returning an error (a *PathError naming the key, or
// a JSON syntax error from a stdjson.RawMessage) instead of raising it.
func TryToLua(L *lua.LState, v any) (lua.LValue, error) {
	c := toLua{L: L, st: jsonStateOf(L)}
	return c.value(v, 0)
}

// toLua converts Go JSON values to Lua values.
type toLua struct {
	L    *lua.LState
	st   *jsonState
	path jsonPath
	keys []string // scratch for sorting map keys
}

func (c *toLua) value(v any, depth int) (lua.LValue, error) {
	switch v := v.(type) {
	case nil:
		return c.st.null, nil
	case string:
		return lua.LString(v), nil
	case bool:
		return lua.LBool(v), nil
	case stdjson.Number:
		if !validJSONNumber(string(v)) {
			return nil, c.path.errAt(detail(ErrNumber, "invalid number "+strconv.Quote(clip(string(v)))))
		}
		return c.st.numberValue(c.L, string(v)), nil
	case float64:
		return c.float(v)
	case float32:
		return c.float(float64(v))
	case int:
		return c.int(int64(v))
	case int64:
		return c.int(v)
	case int32:
		return lua.LNumber(v), nil
	case int16:
		return lua.LNumber(v), nil
	case int8:
		return lua.LNumber(v), nil
	case uint:
		return c.uint(uint64(v))
	case uint64:
		return c.uint(v)
	case uint32:
		return lua.LNumber(v), nil
	case uint16:
		return lua.LNumber(v), nil
	case uint8:
		return lua.LNumber(v), nil
	case map[string]any:
		return c.object(v, depth)
	case []any:
		if depth >= MaxDepth {
			return nil, c.tooDeep()
		}
		t := c.L.CreateTable(len(v), 0)
		for i, e := range v {
			c.path.pushIdx(i + 1)
			lv, err := c.value(e, depth+1)
			if err != nil {
				return nil, err
			}
			c.path.pop()
			t.RawSetInt(i+1, lv)
		}
		t.Metatable = c.st.array
		return t, nil
	case []string:
		if depth >= MaxDepth {
			return nil, c.tooDeep()
		}
		t := c.L.CreateTable(len(v), 0)
		for i, s := range v {
			t.RawSetInt(i+1, lua.LString(s))
		}
		t.Metatable = c.st.array
		return t, nil
	case map[string]string:
		m := make(map[string]any, len(v))
		for k, s := range v {
			m[k] = s
		}
		return c.object(m, depth)
	case []map[string]any:
		a := make([]any, len(v))
		for i, m := range v {
			a[i] = m
		}
		return c.value(a, depth)
	case stdjson.RawMessage:
		if len(v) == 0 {
			return c.st.null, nil
		}
		d := jsonScanner{L: c.L, st: c.st, path: jsonPath{root: c.path.root, segs: slices.Clone(c.path.segs)}}
		lv, err := d.document(v, depth)
		if err != nil && len(c.path.segs) > 0 && (errors.Is(err, ErrSyntax) || !errors.As(err, new(*PathError))) {
			return nil, c.path.errAt(detail(ErrValue, err.Error()))
		}
		return lv, err
	case lua.LValue:
		return v, nil
	}
	return nil, c.path.errAt(detail(ErrValue, fmt.Sprintf("unsupported Go type %T", v)))
}

func (c *toLua) tooDeep() error {
	return c.path.errAt(detail(ErrTooDeep, "nesting deeper than "+strconv.Itoa(MaxDepth)))
}

func (c *toLua) object(m map[string]any, depth int) (lua.LValue, error) {
	if depth >= MaxDepth {
		return nil, c.tooDeep()
	}
	base := len(c.keys)
	for k := range m {
		c.keys = append(c.keys, k)
	}
	slices.Sort(c.keys[base:])
	t := c.L.CreateTable(0, len(m))
	for i := base; i < base+len(m); i++ {
		k := c.keys[i]
		c.path.pushKey(k)
		lv, err := c.value(m[k], depth+1)
		if err != nil {
			return nil, err
		}
		c.path.pop()
		t.RawSetString(k, lv)
	}
	clear(c.keys[base:])
	c.keys = c.keys[:base]
	t.Metatable = c.st.object
	return t, nil
}

func (c *toLua) float(f float64) (lua.LValue, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, c.path.errAt(numberError(f))
	}
	return lua.LNumber(f), nil
}

func (c *toLua) int(i int64) (lua.LValue, error) {
	if i >= -1<<53 && i <= 1<<53 {
		return lua.LNumber(i), nil
	}
	if f := float64(i); f >= -(1<<63) && f < 1<<63 && int64(f) == i {
		return lua.LNumber(f), nil
	}
	return c.st.newNumber(c.L, strconv.FormatInt(i, 10)), nil
}

func (c *toLua) uint(u uint64) (lua.LValue, error) {
	if u <= 1<<53 {
		return lua.LNumber(u), nil
	}
	if f := float64(u); f < 1<<64 && uint64(f) == u {
		return lua.LNumber(f), nil
	}
	return c.st.newNumber(c.L, strconv.FormatUint(u, 10)), nil
}
