package json

import (
	stdjson "encoding/json"
	"errors"
	"fmt"
	"strconv"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	lua "github.com/yuin/gopher-lua"

	"github.com/soracron/soracron/bindings/json/internal/syntax"
)

// Decode decodes one JSON document straight into Lua values of L (no Go
// intermediate), following the rules on Loader: objects and arrays get
// their marker metatables, null becomes json.null, numbers must be exactly
// representable. Syntax errors read "invalid JSON at offset N: ..." and
// match ErrSyntax; value errors name the key. Both are *PathError.
//
// The syntax is checked in one pass by valid, which accepts exactly what
// utf8.Valid and encoding/json's Valid accept (encoding/json words the error
// message); the values are then built by a small scanner, which is several
// times faster than stdjson.Decoder.Token (whose scalars go through
// reflection and allocate a discarded error each).
func Decode(L *lua.LState, data []byte) (lua.LValue, error) {
	d := jsonScanner{L: L, st: jsonStateOf(L)}
	return d.document(data, 0)
}

// jsonScanner builds Lua values from a valid JSON document.
type jsonScanner struct {
	L    *lua.LState
	st   *jsonState
	path jsonPath
	data []byte
	pos  int
	vals []lua.LValue // elements of the arrays being built
	kvs  []kv         // members of the objects being built
	buf  []byte       // scratch for unescaping strings
}

// document decodes data, which must hold exactly one JSON value; depth is
// the nesting around it.
func (d *jsonScanner) document(data []byte, depth int) (lua.LValue, error) {
	if err := checkDocument(data); err != nil {
		return nil, err
	}
	d.data, d.pos = data, 0
	return d.value(depth)
}

// checkDocument is Decode's syntax check of data: nil when data is one
// JSON document in valid UTF-8, else the error that words what is wrong.
func checkDocument(data []byte) error {
	if syntax.Valid(data) {
		return nil
	}
	return documentError(data)
}

// documentError is the syntax error of data, an input valid refused; nil
// if encoding/json finds none (valid should agree with it, see FuzzValid).
func documentError(data []byte) error {
	if !utf8.Valid(data) {
		return syntaxError(fmt.Sprintf("invalid JSON at offset %d: not valid UTF-8", invalidUTF8Offset(data)))
	}
	if !stdjson.Valid(data) {
		var raw stdjson.RawMessage
		err := stdjson.Unmarshal(data, &raw)
		var se *stdjson.SyntaxError
		switch {
		case errors.As(err, &se) && se.Error() == "unexpected end of JSON input":
			return syntaxError("invalid JSON: unexpected end of input")
		case errors.As(err, &se):
			return syntaxError(fmt.Sprintf("invalid JSON at offset %d: %s", se.Offset, se.Error()))
		case err != nil:
			return syntaxError("invalid JSON: " + err.Error())
		}
		return syntaxError("invalid JSON")
	}
	return nil
}

// syntaxError is the error of an input that is not JSON: a *PathError
// without path whose message is msg, matching ErrSyntax.
func syntaxError(msg string) error {
	return &PathError{Err: detail(ErrSyntax, msg)}
}

func invalidUTF8Offset(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return len(b)
}

func (d *jsonScanner) skipSpace() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

// value converts the value at d.pos; depth counts the arrays and objects
// around it. The input is valid JSON, so the scanner need not check syntax.
func (d *jsonScanner) value(depth int) (lua.LValue, error) {
	d.skipSpace()
	switch c := d.data[d.pos]; c {
	case '{', '[':
		if depth >= MaxDepth {
			return nil, d.path.errAt(detail(ErrTooDeep, "nesting deeper than "+strconv.Itoa(MaxDepth)))
		}
		d.pos++
		if c == '[' {
			return d.array(depth + 1)
		}
		return d.object(depth + 1)
	case '"':
		return lua.LString(d.string()), nil
	case 't':
		d.pos += 4
		return lua.LTrue, nil
	case 'f':
		d.pos += 5
		return lua.LFalse, nil
	case 'n':
		d.pos += 4
		return d.st.null, nil
	}
	return d.number()
}

func (d *jsonScanner) array(depth int) (lua.LValue, error) {
	base := len(d.vals)
	d.skipSpace()
	if d.data[d.pos] == ']' {
		d.pos++
	} else {
		for i := 1; ; i++ {
			d.path.pushIdx(i)
			v, err := d.value(depth)
			if err != nil {
				return nil, err
			}
			d.path.pop()
			d.vals = append(d.vals, v)
			d.skipSpace()
			c := d.data[d.pos] // ',' or ']'
			d.pos++
			if c == ']' {
				break
			}
		}
	}
	elems := d.vals[base:]
	t := d.L.CreateTable(len(elems), 0)
	for i, v := range elems {
		t.RawSetInt(i+1, v)
	}
	t.Metatable = d.st.array
	clear(elems)
	d.vals = d.vals[:base]
	return t, nil
}

func (d *jsonScanner) object(depth int) (lua.LValue, error) {
	base := len(d.kvs)
	if err := d.members(depth, func(key string, v lua.LValue) { d.kvs = append(d.kvs, kv{key, v}) }); err != nil {
		return nil, err
	}
	members := d.kvs[base:]
	t := d.L.CreateTable(0, len(members))
	for _, m := range members {
		t.RawSetString(m.key, m.val) // document order; the last duplicate wins
	}
	t.Metatable = d.st.object
	clear(members)
	d.kvs = d.kvs[:base]
	return t, nil
}

// string reads the string at d.pos (at its opening quote). Escapes are
// decoded as encoding/json does: a lone surrogate becomes U+FFFD.
func (d *jsonScanner) string() string {
	d.pos++
	start := d.pos
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case '"':
			s := string(d.data[start:d.pos])
			d.pos++
			return s
		case '\\':
			return d.unescape(start)
		}
		d.pos++
	}
	return "" // unreachable for valid input
}

func (d *jsonScanner) unescape(start int) string {
	b := append(d.buf[:0], d.data[start:d.pos]...)
	for d.pos < len(d.data) {
		c := d.data[d.pos]
		switch {
		case c == '"':
			d.pos++
			d.buf = b
			return string(b)
		case c != '\\':
			b = append(b, c)
			d.pos++
			continue
		}
		d.pos++
		switch e := d.data[d.pos]; e {
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			r := hex4(d.data[d.pos+1:])
			d.pos += 4
			if utf16.IsSurrogate(r) {
				r2 := rune(-1)
				if d.pos+6 < len(d.data) && d.data[d.pos+1] == '\\' && d.data[d.pos+2] == 'u' {
					r2 = hex4(d.data[d.pos+3:])
				}
				if dec := utf16.DecodeRune(r, r2); dec != unicode.ReplacementChar {
					r = dec
					d.pos += 6
				} else {
					r = unicode.ReplacementChar
				}
			}
			b = utf8.AppendRune(b, r)
		default: // '"', '\\', '/'
			b = append(b, e)
		}
		d.pos++
	}
	d.buf = b
	return string(b) // unreachable for valid input
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// hex4 decodes the 4 hex digits at the start of b (valid input).
func hex4(b []byte) rune {
	var r rune
	for _, c := range b[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		default:
			c = c - 'A' + 10
		}
		r = r<<4 | rune(c)
	}
	return r
}

// number reads the number at d.pos. Short integers are converted directly;
// everything else is a Lua number when one holds it exactly, else a
// json.number keeping its text.
func (d *jsonScanner) number() (lua.LValue, error) {
	start := d.pos
	neg := d.data[d.pos] == '-'
	if neg {
		d.pos++
	}
	var n int64
	simple := true
	for d.pos < len(d.data) {
		c := d.data[d.pos]
		if '0' <= c && c <= '9' {
			n = n*10 + int64(c-'0')
		} else if c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-' {
			simple = false
		} else {
			break
		}
		d.pos++
	}
	text := d.data[start:d.pos]
	if digits := len(text) - len("-")*boolInt(neg); simple && digits <= 15 && !(neg && n == 0) {
		if neg {
			n = -n
		}
		return lua.LNumber(n), nil // at most 15 digits: below 2^53, exact
	}
	return d.st.numberValue(d.L, string(text)), nil
}
