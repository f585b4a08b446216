package json

import (
	"bufio"
	"bytes"
	stdjson "encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	lua "github.com/yuin/gopher-lua"

	"github.com/soracron/soracron/bindings/json/internal/syntax"
)

// DecodeReader decodes the one JSON document read from r into Lua values,
// by the rules of Decode (see Loader). A top-level array, such as a List
// reply of thousands of connections, is decoded one element at a time: the
// text is never held whole, only the element being converted, so memory is
// that of the Lua values. Any other document is read whole and decoded by
// Decode. An error of r is returned as is (wrapped), so that a caller who
// capped r can tell its own error from bad JSON.
func DecodeReader(L *lua.LState, r io.Reader) (lua.LValue, error) {
	return decodeReader(L, r, nil)
}

// DecodeReaderLazy is DecodeReader that keeps each object element of a
// top-level array as its text and gives it as a lazy table of objs (see
// Objects), which it checks as Decode would: a List reply of a big channel
// costs its text, not a table for every connection.
func DecodeReaderLazy(L *lua.LState, r io.Reader, objs *Objects) (lua.LValue, error) {
	return decodeReader(L, r, objs)
}

// decodeReader is DecodeReader, with the object elements of a top-level
// array added to objs when it is not nil.
func decodeReader(L *lua.LState, r io.Reader, objs *Objects) (lua.LValue, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	first, err := peekNonSpace(br)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	if first != '[' {
		data, err := io.ReadAll(br)
		if err != nil {
			return nil, err
		}
		return Decode(L, data)
	}
	_, _ = br.ReadByte() // the '['
	d := jsonScanner{L: L, st: jsonStateOf(L)}
	t := L.CreateTable(0, 0)
	var elem []byte // reused for each element
	for i := 1; ; i++ {
		c, err := peekNonSpace(br)
		if err != nil {
			return nil, streamError(err)
		}
		if c == ']' && i == 1 {
			_, _ = br.ReadByte()
			break
		}
		if elem, err = readValue(br, elem[:0]); err != nil {
			return nil, streamError(err)
		}
		d.path.pushIdx(i)
		var v lua.LValue
		if objs != nil { // an object kept as its text, anything else decoded
			v, err = objs.add(&d, elem, 1)
		} else {
			v, err = d.element(elem, 1)
		}
		if err != nil {
			return nil, err
		}
		d.path.pop()
		t.RawSetInt(i, v)
		if c, err = peekNonSpace(br); err != nil {
			return nil, streamError(err)
		}
		_, _ = br.ReadByte()
		if c == ']' {
			break
		}
		if c != ',' {
			return nil, syntaxError(fmt.Sprintf("invalid JSON: invalid character %q after array element %d", c, i))
		}
	}
	if _, err := peekNonSpace(br); !errors.Is(err, io.EOF) {
		if err == nil {
			return nil, syntaxError("invalid JSON: data after the top-level value")
		}
		return nil, streamError(err)
	}
	t.Metatable = d.st.array
	return t, nil
}

// readValue appends to buf the bytes of the JSON value that starts at br
// (after white space) and returns it: an object or array up to its
// closing bracket, a string up to its closing quote, a literal or number
// up to the next delimiter. It finds where the value ends, nothing more:
// element checks its syntax. It scans br's buffer a chunk at a time rather
// than byte by byte (a List reply of 100,000 connections is 14 MB).
func readValue(br *bufio.Reader, buf []byte) ([]byte, error) {
	depth, inString, escaped := 0, false, false
	for {
		chunk, _ := br.Peek(br.Buffered())
		if len(chunk) == 0 {
			if _, err := br.Peek(1); err != nil {
				if errors.Is(err, io.EOF) && depth == 0 && !inString && len(buf) > 0 {
					return buf, nil // a literal at the end of the input
				}
				return buf, err
			}
			continue
		}
		for k := 0; k < len(chunk); k++ {
			c := chunk[k]
			if inString {
				switch {
				case escaped:
					escaped = false
				case c == '\\':
					escaped = true
				case c == '"':
					inString = false
					if depth == 0 { // a string value ends here
						return consume(br, buf, chunk, k+1)
					}
				}
				continue
			}
			switch c {
			case '"':
				inString = true
			case '{', '[':
				depth++
			case '}', ']':
				if depth == 0 { // the end of the enclosing array
					return consume(br, buf, chunk, k)
				}
				if depth--; depth == 0 {
					return consume(br, buf, chunk, k+1)
				}
			case ',', ' ', '\t', '\n', '\r':
				if depth == 0 {
					return consume(br, buf, chunk, k)
				}
			}
		}
		buf = append(buf, chunk...)
		_, _ = br.Discard(len(chunk))
	}
}

// consume appends the first k bytes of chunk, br's buffered bytes, to buf
// and discards them from br.
func consume(br *bufio.Reader, buf, chunk []byte, k int) ([]byte, error) {
	buf = append(buf, chunk[:k]...)
	_, err := br.Discard(k)
	return buf, err
}

// ForEachElement reads the JSON array of r and calls fn with the bytes of
// each element in turn, without decoding them (Decode does, and checks
// their syntax); the slice is reused, so fn copies what it keeps. A null
// document has no elements; any other document that is not an array is
// an error. An error of fn stops the reading and is returned.
func ForEachElement(r io.Reader, fn func(elem []byte) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	first, err := peekNonSpace(br)
	if err != nil {
		return streamError(err)
	}
	if first != '[' {
		data, err := io.ReadAll(br)
		if err != nil {
			return err
		}
		if string(bytes.TrimSpace(data)) == "null" {
			return nil
		}
		return syntaxError("not a JSON array")
	}
	_, _ = br.ReadByte() // the '['
	var elem []byte
	for i := 1; ; i++ {
		c, err := peekNonSpace(br)
		if err != nil {
			return streamError(err)
		}
		if c == ']' && i == 1 {
			_, _ = br.ReadByte()
			break
		}
		if elem, err = readValue(br, elem[:0]); err != nil {
			return streamError(err)
		}
		if err := fn(elem); err != nil {
			return err
		}
		if c, err = peekNonSpace(br); err != nil {
			return streamError(err)
		}
		_, _ = br.ReadByte()
		if c == ']' {
			break
		}
		if c != ',' {
			return syntaxError(fmt.Sprintf("invalid JSON: invalid character %q after array element %d", c, i))
		}
	}
	if _, err := peekNonSpace(br); !errors.Is(err, io.EOF) {
		if err == nil {
			return syntaxError("invalid JSON: data after the top-level value")
		}
		return streamError(err)
	}
	return nil
}

// element checks and converts raw, one value of an array, at nesting
// depth; errors name its place.
func (d *jsonScanner) element(raw []byte, depth int) (lua.LValue, error) {
	if !syntax.Valid(raw) {
		if !utf8.Valid(raw) {
			return nil, d.path.errAt(detail(ErrSyntax, fmt.Sprintf("invalid JSON: not valid UTF-8 at byte %d of the value", invalidUTF8Offset(raw))))
		}
		if !stdjson.Valid(raw) {
			var v stdjson.RawMessage
			msg := "invalid JSON"
			if err := stdjson.Unmarshal(raw, &v); err != nil {
				msg = "invalid JSON: " + err.Error()
			}
			return nil, d.path.errAt(detail(ErrSyntax, msg))
		}
	}
	d.data, d.pos = raw, 0
	v, err := d.value(depth)
	d.data = nil
	return v, err
}

// peekNonSpace skips white space and returns the next byte, unread.
func peekNonSpace(br *bufio.Reader) (byte, error) {
	for {
		b, err := br.ReadByte()
		if err != nil {
			return 0, err
		}
		switch b {
		case ' ', '\t', '\n', '\r':
			continue
		}
		return b, br.UnreadByte()
	}
}

// streamError is the error of DecodeReader for an error of the Decoder:
// syntax errors match ErrSyntax like Decode's; errors of the reader are
// wrapped as they are.
func streamError(err error) error {
	var se *stdjson.SyntaxError
	switch {
	case errors.As(err, &se):
		return syntaxError(fmt.Sprintf("invalid JSON at offset %d: %s", se.Offset, se.Error()))
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return syntaxError("invalid JSON: unexpected end of input")
	}
	return fmt.Errorf("read: %w", err)
}
