package json

import (
	lua "github.com/yuin/gopher-lua"
)

// DecodeMembers decodes into vals[i] the member keys[i] of the JSON object
// data, by the rules of Decode, without building the object or the other
// members: for a caller that needs a few members of each of many objects
// (sora.update_all's connections). A member that is absent leaves nil;
// of duplicate keys the last wins, as in Decode. data is checked as a
// whole and fails exactly as Decode(L, data) would (a syntax error, or
// nesting too deep in any member). container reports whether data is an
// object or an array, that is, whether Decode would give a table; an
// array has none of the members.
func DecodeMembers(L *lua.LState, data []byte, keys []string, vals []lua.LValue) (container bool, err error) {
	clear(vals)
	if err := checkDocument(data); err != nil {
		return false, err
	}
	d := jsonScanner{L: L, st: jsonStateOf(L), data: data}
	d.skipSpace()
	switch d.data[d.pos] {
	case '[':
		if !d.skipValue(0) {
			_, err := Decode(L, data) // for its error, which names the place
			return false, err
		}
		return true, nil
	case '{':
	default:
		return false, nil
	}
	d.pos++
	d.skipSpace()
	if d.data[d.pos] == '}' {
		return true, nil
	}
	for {
		d.skipSpace()
		key := d.string()
		d.skipSpace()
		d.pos++ // ':'
		want := -1
		for i, k := range keys {
			if k == key {
				want = i
			}
		}
		if want >= 0 {
			d.path.pushKey(key)
			v, err := d.value(1)
			if err != nil {
				return false, err
			}
			d.path.pop()
			vals[want] = v
		} else if !d.skipValue(1) {
			_, err := Decode(L, data)
			return false, err
		}
		d.skipSpace()
		c := d.data[d.pos] // ',' or '}'
		d.pos++
		if c == '}' {
			return true, nil
		}
	}
}

// skipValue moves past the (valid) value at d.pos, which is nested in
// depth containers; false when it nests deeper than Decode accepts.
func (d *jsonScanner) skipValue(depth int) bool {
	d.skipSpace()
	level, inString := depth, false
	for {
		c := d.data[d.pos]
		d.pos++
		switch {
		case inString:
			switch c {
			case '\\':
				d.pos++ // the escaped byte (the rest of \uXXXX is plain)
			case '"':
				inString = false
				if level == depth {
					return true
				}
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			if level >= MaxDepth {
				return false
			}
			level++
		case c == '}' || c == ']':
			if level--; level == depth {
				return true
			}
		case level == depth && d.pos < len(d.data):
			// a number or literal: it ends before a delimiter
			if n := d.data[d.pos]; n == ',' || n == '}' || n == ']' || n == ' ' || n == '\t' || n == '\n' || n == '\r' {
				return true
			}
		case level == depth:
			return true // at the end of data
		}
	}
}
