package json

import (
	"bufio"
	stdjson "encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	lua "github.com/yuin/gopher-lua"
)

// DecodeReader decodes the one JSON document read from r into Lua values,
// by the rules of Decode (see Loader). A top-level array, such as a List
// reply of thousands of connections, is decoded one element at a time: the
// text is never held whole, only the element being converted, so memory is
// that of the Lua values. Any other document is read whole and decoded by
// Decode. An error of r is returned as is (wrapped), so that a caller who
// capped r can tell its own error from bad JSON.
func DecodeReader(L *lua.LState, r io.Reader) (lua.LValue, error) {
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
	dec := stdjson.NewDecoder(br)
	if _, err := dec.Token(); err != nil { // the '['
		return nil, streamError(err)
	}
	d := jsonScanner{L: L, st: jsonStateOf(L)}
	t := L.CreateTable(0, 0)
	var raw stdjson.RawMessage // reused: Decode appends to raw[:0]
	for i := 1; dec.More(); i++ {
		if err := dec.Decode(&raw); err != nil {
			return nil, streamError(err)
		}
		d.path.pushIdx(i)
		v, err := d.element(raw, 1)
		if err != nil {
			return nil, err
		}
		d.path.pop()
		t.RawSetInt(i, v)
	}
	if _, err := dec.Token(); err != nil { // the ']'
		return nil, streamError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if err == nil {
			return nil, syntaxError(fmt.Sprintf("invalid JSON at offset %d: data after the top-level value", dec.InputOffset()))
		}
		return nil, streamError(err)
	}
	t.Metatable = d.st.array
	return t, nil
}

// element converts raw, one complete value that encoding/json's Decoder
// has checked, at nesting depth.
func (d *jsonScanner) element(raw []byte, depth int) (lua.LValue, error) {
	if !utf8.Valid(raw) {
		return nil, d.path.errAt(detail(ErrSyntax, fmt.Sprintf("invalid JSON: not valid UTF-8 at byte %d of the value", invalidUTF8Offset(raw))))
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
