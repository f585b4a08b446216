package luatest

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"

	luajson "github.com/soracron/soracron/bindings/json"
)

// maxDiffs is the number of differing paths a failed t.eq shows.
const maxDiffs = 20

// maxValueLen clips a rendered value in a diff.
const maxValueLen = 200

// difference is one key path where got and want differ.
type difference struct {
	path      string
	got, want string
}

// shape is how deepEqual looks at a table: as a JSON array, a JSON object,
// or (for tables that are neither, e.g. mixed keys) as a plain Lua table.
type shape int

const (
	shapeObject shape = iota
	shapeArray
	shapeTable
	shapeEmpty // an empty table without a marker: equals [] and {}
)

func (s shape) String() string {
	switch s {
	case shapeArray:
		return "array"
	case shapeObject:
		return "object"
	case shapeEmpty:
		return "empty table"
	}
	return "table"
}

// tableShape classifies t as bindings' JSON conversion does: its marker
// (__jsontype in its metatable) when it has one, else string keys only ->
// object, keys exactly 1..n -> array, anything else -> table. An empty
// table without a marker is shapeEmpty (bindings encodes it as {}).
func tableShape(t *lua.LTable) (shape, int) {
	if mt, ok := t.Metatable.(*lua.LTable); ok {
		switch mt.RawGetString("__jsontype") {
		case lua.LString("array"):
			return shapeArray, t.Len()
		case lua.LString("object"):
			return shapeObject, 0
		}
	}
	n, strs, others := 0, 0, 0
	t.ForEach(func(k, _ lua.LValue) {
		switch k := k.(type) {
		case lua.LString:
			strs++
		case lua.LNumber:
			if f := float64(k); f >= 1 && f == math.Trunc(f) {
				n++
				return
			}
			others++
		default:
			others++
		}
	})
	switch {
	case others > 0 || (n > 0 && strs > 0):
		return shapeTable, 0
	case n > 0 && t.Len() == n:
		return shapeArray, n
	case n > 0:
		return shapeTable, 0
	case strs == 0:
		return shapeEmpty, 0
	}
	return shapeObject, 0
}

// isEmpty reports whether t has no keys.
func isEmpty(t *lua.LTable) bool {
	k, _ := t.Next(lua.LNil)
	return k == lua.LNil
}

// differ compares two Lua values deeply and collects the differences.
type differ struct {
	L     *lua.LState
	diffs []difference
	more  int
	seen  map[[2]*lua.LTable]bool
}

// deepEqual reports whether got and want are equal: same JSON shape and
// values (json.null equals only itself; an array never equals an object,
// and a marked empty array never equals a marked empty object, but an
// empty table without a marker equals both), and lists the paths where
// they differ.
// Values other than tables compare with raw equality.
func deepEqual(L *lua.LState, got, want lua.LValue) (bool, []difference, int) {
	d := &differ{L: L, seen: map[[2]*lua.LTable]bool{}}
	d.compare("", got, want)
	return len(d.diffs) == 0, d.diffs, d.more
}

func (d *differ) add(path string, got, want lua.LValue) {
	if len(d.diffs) >= maxDiffs {
		d.more++
		return
	}
	show := func(v lua.LValue) string {
		if v == lua.LNil && path != "" {
			return "(absent)"
		}
		return render(d.L, v)
	}
	d.diffs = append(d.diffs, difference{path: path, got: show(got), want: show(want)})
}

func (d *differ) compare(path string, got, want lua.LValue) {
	gt, gok := got.(*lua.LTable)
	wt, wok := want.(*lua.LTable)
	if !gok || !wok {
		if !rawEqual(got, want) {
			d.add(path, got, want)
		}
		return
	}
	if gt == wt || d.seen[[2]*lua.LTable{gt, wt}] {
		return
	}
	d.seen[[2]*lua.LTable{gt, wt}] = true
	luajson.Fill(gt) // a lazy table (a batch's result) is compared filled
	luajson.Fill(wt)
	gs, gn := tableShape(gt)
	ws, wn := tableShape(wt)
	if gs == shapeEmpty || ws == shapeEmpty {
		// An empty table written in Lua says nothing of array or object.
		if !isEmpty(gt) || !isEmpty(wt) {
			d.add(path, got, want)
		}
		return
	}
	if gs != ws {
		d.add(path, got, want)
		return
	}
	switch gs {
	case shapeArray:
		for i := 1; i <= max(gn, wn); i++ {
			d.compare(path+"["+strconv.Itoa(i)+"]", gt.RawGetInt(i), wt.RawGetInt(i))
		}
	default:
		for _, k := range unionKeys(gt, wt) {
			d.compare(joinPath(path, k), gt.RawGet(k), wt.RawGet(k))
		}
	}
}

// rawEqual compares non-table values: numbers by value (NaN equals NaN so
// that a diff is not reported for identical values), json.numbers by
// exact value, others by identity.
func rawEqual(a, b lua.LValue) bool {
	an, aok := a.(lua.LNumber)
	bn, bok := b.(lua.LNumber)
	if aok && bok {
		return an == bn || (math.IsNaN(float64(an)) && math.IsNaN(float64(bn)))
	}
	if eq, ok := luajson.NumbersEqual(a, b); ok {
		return eq
	}
	return a == b
}

// unionKeys returns the keys of a and b, strings first (sorted), then the
// others sorted by their text.
func unionKeys(a, b *lua.LTable) []lua.LValue {
	seen := map[lua.LValue]bool{}
	var keys []lua.LValue
	add := func(k, _ lua.LValue) {
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	a.ForEach(add)
	b.ForEach(add)
	slices.SortFunc(keys, func(x, y lua.LValue) int {
		_, xs := x.(lua.LString)
		_, ys := y.(lua.LString)
		if xs != ys {
			if xs {
				return -1
			}
			return 1
		}
		if xn, ok := x.(lua.LNumber); ok {
			if yn, ok := y.(lua.LNumber); ok {
				return cmpFloat(float64(xn), float64(yn))
			}
		}
		return strings.Compare(x.String(), y.String())
	})
	return keys
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// joinPath appends key k to path in Lua notation: a.b, a["x y"], a[3].
func joinPath(path string, k lua.LValue) string {
	switch k := k.(type) {
	case lua.LString:
		if isIdent(string(k)) {
			if path == "" {
				return string(k)
			}
			return path + "." + string(k)
		}
		return path + "[" + strconv.Quote(string(k)) + "]"
	case lua.LNumber:
		return path + "[" + k.String() + "]"
	}
	return path + "[" + k.String() + "]"
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// render shows a value in a diff: a table with a __tostring metamethod
// (a sora or t.run error) by it, prefixed with its __name; else JSON for
// what has a JSON form (strings quoted, json.null as null, arrays and
// objects compact with sorted keys); nil as nil; anything else by its type.
func render(L *lua.LState, v lua.LValue) string {
	var s string
	switch v := v.(type) {
	case *lua.LNilType:
		return "nil"
	case *lua.LTable:
		if L.GetMetaField(v, "__tostring") != lua.LNil {
			s = L.ToStringMeta(v).String()
			if name, ok := L.GetMetaField(v, "__name").(lua.LString); ok {
				s = string(name) + ": " + s
			}
		} else if b, err := luajson.Encode(v); err == nil {
			s = string(b)
			switch sh, _ := tableShape(v); {
			case sh == shapeObject && s == "{}":
				s = "{} (empty object)"
			case s == "[]":
				s = "[] (empty array)"
			}
		} else {
			s = fmt.Sprintf("%s (not JSON: %v)", v.String(), err)
		}
	case *lua.LFunction:
		return v.String()
	default:
		if b, err := luajson.Encode(v); err == nil {
			s = string(b)
		} else {
			s = v.String()
		}
	}
	if len(s) > maxValueLen {
		s = s[:maxValueLen] + "..."
	}
	return s
}

// formatDiff renders differences as "- want" / "+ got" lines per path.
func formatDiff(diffs []difference, more int) string {
	var b strings.Builder
	for _, df := range diffs {
		p := df.path
		if p != "" {
			p += ": "
		}
		fmt.Fprintf(&b, "\n  - want %s%s\n  + got  %s%s", p, df.want, p, df.got)
	}
	if more > 0 {
		fmt.Fprintf(&b, "\n  ... and %d more differences", more)
	}
	return b.String()
}
