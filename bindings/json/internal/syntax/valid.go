package syntax

import "unicode/utf8"

// maxNesting is encoding/json's limit on nesting: Valid refuses a document
// with arrays and objects nested deeper.
const maxNesting = 10000

// The states of Valid.
const (
	wantValue  = iota // a value (at the top, after '[' or ',' in an array, after ':')
	afterValue        // ',' or the closing bracket of the enclosing container, or the end
	wantKey           // a member's key (after '{' or ',' in an object)
)

// Valid reports whether data is one JSON document in valid UTF-8: exactly
// what utf8.Valid(data) && encoding/json.Valid(data) accept (the fuzz test
// FuzzValid holds it to that), in one pass and several times faster, so
// that decoding a big List reply element by element does not spend most
// of its time checking syntax. Decode falls back to those two on false,
// for the error message.
func Valid(data []byte) bool {
	return ValidDepth(data, maxNesting)
}

// ValidDepth is Valid that also refuses arrays and objects nested more than
// depth deep (at most encoding/json's limit, which Valid uses), so that a
// caller with a smaller limit checks both in the one pass.
func ValidDepth(data []byte, depth int) bool {
	depth = min(depth, maxNesting)
	var stackBuf [64]byte // '[' or '{' of each open container
	stack := stackBuf[:0]
	n := len(data)
	i := 0
	state := wantValue
	for {
		for i < n && (data[i] == ' ' || data[i] == '\n' || data[i] == '\r' || data[i] == '\t') {
			i++
		}
		switch state {
		case wantValue:
			if i >= n {
				return false
			}
			switch c := data[i]; {
			case c == '{' || c == '[':
				if len(stack) >= depth {
					return false
				}
				stack = append(stack, c)
				i++
				for i < n && (data[i] == ' ' || data[i] == '\n' || data[i] == '\r' || data[i] == '\t') {
					i++
				}
				if i < n && data[i] == c+2 { // '}' is '{'+2, ']' is '['+2
					i++
					stack = stack[:len(stack)-1]
					state = afterValue
				} else if c == '{' {
					state = wantKey
				}
				continue
			case c == '"':
				i = validString(data, i)
			case c == '-' || '0' <= c && c <= '9':
				i = validNumber(data, i)
			case c == 't':
				i = validLiteral(data, i, "true")
			case c == 'f':
				i = validLiteral(data, i, "false")
			case c == 'n':
				i = validLiteral(data, i, "null")
			default:
				return false
			}
			if i < 0 {
				return false
			}
			state = afterValue
		case afterValue:
			if len(stack) == 0 {
				return i == n
			}
			if i >= n {
				return false
			}
			top := stack[len(stack)-1]
			switch c := data[i]; {
			case c == ',':
				i++
				if top == '{' {
					state = wantKey
				} else {
					state = wantValue
				}
			case c == top+2:
				i++
				stack = stack[:len(stack)-1]
			default:
				return false
			}
		case wantKey:
			if i >= n || data[i] != '"' {
				return false
			}
			if i = validString(data, i); i < 0 {
				return false
			}
			for i < n && (data[i] == ' ' || data[i] == '\n' || data[i] == '\r' || data[i] == '\t') {
				i++
			}
			if i >= n || data[i] != ':' {
				return false
			}
			i++
			state = wantValue
		}
	}
}

// validString returns the index after the string that starts at data[i]
// (its opening quote), or -1 when it is not a valid JSON string in UTF-8.
func validString(data []byte, i int) int {
	n := len(data)
	for i++; i < n; {
		c := data[i]
		switch {
		case c == '"':
			return i + 1
		case c < 0x20:
			return -1
		case c == '\\':
			if i+1 >= n {
				return -1
			}
			switch data[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > n {
					return -1
				}
				for _, h := range data[i+2 : i+6] {
					if !('0' <= h && h <= '9' || 'a' <= h && h <= 'f' || 'A' <= h && h <= 'F') {
						return -1
					}
				}
				i += 6
			default:
				return -1
			}
		case c < utf8.RuneSelf:
			i++
		default:
			r, size := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && size == 1 {
				return -1
			}
			i += size
		}
	}
	return -1
}

// validNumber returns the index after the number that starts at data[i],
// or -1 when it is not a JSON number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func validNumber(data []byte, i int) int {
	n := len(data)
	digits := func(i int) int { // at least one digit
		if i >= n || data[i] < '0' || data[i] > '9' {
			return -1
		}
		for i < n && '0' <= data[i] && data[i] <= '9' {
			i++
		}
		return i
	}
	if data[i] == '-' {
		i++
	}
	if i < n && data[i] == '0' {
		i++
	} else if i = digits(i); i < 0 {
		return -1
	}
	if i < n && data[i] == '.' {
		if i = digits(i + 1); i < 0 {
			return -1
		}
	}
	if i < n && (data[i] == 'e' || data[i] == 'E') {
		i++
		if i < n && (data[i] == '+' || data[i] == '-') {
			i++
		}
		if i = digits(i); i < 0 {
			return -1
		}
	}
	return i
}

// validLiteral returns the index after lit at data[i], or -1.
func validLiteral(data []byte, i int, lit string) int {
	if len(data)-i < len(lit) || string(data[i:i+len(lit)]) != lit {
		return -1
	}
	return i + len(lit)
}
