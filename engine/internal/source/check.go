package source

import (
	"bytes"
	"fmt"
)

// Limits of Lua source text: script files, modules and the chunks of
// loadstring and load.
const (
	// MaxBytes caps a script file, a module file and a chunk given to
	// loadstring or load (1 MiB; gopher-lua's parser takes about 2 s for
	// a megabyte of statements).
	MaxBytes = 1 << 20
	// maxNesting caps the nesting of brackets and blocks, and
	// maxConcatChain the .. operators of one expression: gopher-lua's
	// parser and compiler recurse once per level (a few kilobytes of Go
	// stack each: 200,000 nested { take 650 MB, a million crash the
	// process) and take time quadratic in both. C Lua's limit on nesting
	// is 200 too.
	maxNesting     = 200
	maxConcatChain = 200
)

// utf8BOM is the byte order mark some editors put at the start of a file.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// StripHeader removes a UTF-8 byte order mark and a first line starting
// with # (a "#!/usr/bin/env ..." line), as C Lua's loader does; the
// newline of that line is kept so that line numbers do not change.
func StripHeader(src []byte) []byte {
	src = bytes.TrimPrefix(src, utf8BOM)
	if len(src) > 0 && src[0] == '#' {
		if i := bytes.IndexByte(src, '\n'); i >= 0 {
			return src[i:]
		}
		return nil
	}
	return src
}

// Error is a refusal of Check at a line.
type Error struct {
	// Line is the line of the source where the limit was passed.
	Line int
	// Msg says which limit, without the line.
	Msg string
}

func (e *Error) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

// Check refuses source text that gopher-lua's parser could not handle in
// bounded time and memory: over MaxBytes, nested deeper than maxNesting,
// or with more than maxConcatChain .. in one expression (an *Error for
// the last two). It scans tokens only as far as needed to skip strings
// and comments; the parser finds every other error.
func Check(src []byte) error {
	if len(src) > MaxBytes {
		return fmt.Errorf("source too large: %d bytes (the limit is %d)", len(src), MaxBytes)
	}
	line, depth, concat := 1, 0, 0
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case c == '\n':
			line++
		case c == '-' && i+1 < len(src) && src[i+1] == '-': // comment
			i += 2
			if n := longBracket(src, i); n >= 0 {
				i = skipLong(src, i, n, &line)
				continue
			}
			for i < len(src) && src[i] != '\n' {
				i++
			}
			i-- // the newline is counted by the loop
		case c == '"' || c == '\'':
			for i++; i < len(src) && src[i] != c; i++ {
				switch src[i] {
				case '\\':
					i++
					if i < len(src) && src[i] == '\n' {
						line++
					}
				case '\n':
					line++
				}
			}
		case c == '[' && longBracket(src, i) >= 0:
			i = skipLong(src, i, longBracket(src, i), &line)
		case c == '(' || c == '{' || c == '[':
			depth++
		case c == ')' || c == '}' || c == ']':
			depth--
		case c == '.' && i+1 < len(src) && src[i+1] == '.':
			if i+2 < len(src) && src[i+2] == '.' { // ...
				i += 2
				continue
			}
			i++
			if concat++; concat > maxConcatChain {
				return &Error{line, fmt.Sprintf("expression too complex (more than %d '..' operators in one expression)", maxConcatChain)}
			}
		case c == '=' || c == ',' || c == ';':
			concat = 0
		case isIdentStart(c):
			j := i
			for j < len(src) && (isIdentStart(src[j]) || src[j] >= '0' && src[j] <= '9') {
				j++
			}
			switch string(src[i:j]) {
			case "function", "do", "then", "repeat":
				depth++
			case "end", "until", "elseif":
				depth--
			}
			if isKeyword(src[i:j]) {
				concat = 0
			}
			i = j - 1
		}
		if depth > maxNesting {
			return &Error{line, fmt.Sprintf("nesting too deep (more than %d levels of brackets, functions and blocks)", maxNesting)}
		}
	}
	return nil
}

// longBracket returns the level of the long bracket [==[ at src[i], or -1.
func longBracket(src []byte, i int) int {
	if i >= len(src) || src[i] != '[' {
		return -1
	}
	n := 0
	for i++; i < len(src) && src[i] == '='; i++ {
		n++
	}
	if i < len(src) && src[i] == '[' {
		return n
	}
	return -1
}

// skipLong returns the index of the last byte of the long string or
// comment of level n opening at src[i], counting its lines.
func skipLong(src []byte, i, n int, line *int) int {
	closing := append(append([]byte{']'}, bytes.Repeat([]byte{'='}, n)...), ']')
	body := src[i+n+2:]
	end := bytes.Index(body, closing)
	if end < 0 {
		*line += bytes.Count(body, []byte{'\n'})
		return len(src) - 1
	}
	*line += bytes.Count(body[:end], []byte{'\n'})
	return i + n + 2 + end + len(closing) - 1
}

func isIdentStart(c byte) bool { return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// isKeyword reports whether w is a Lua keyword.
func isKeyword(w []byte) bool {
	switch string(w) {
	case "and", "break", "do", "else", "elseif", "end", "false", "for", "function", "goto", "if", "in",
		"local", "nil", "not", "or", "repeat", "return", "then", "true", "until", "while":
		return true
	}
	return false
}
