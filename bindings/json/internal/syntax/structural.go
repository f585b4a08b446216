package syntax

import "iter"

// Structural yields, in order, the bytes of the JSON text b that stand
// outside strings: brackets, commas, colons, white space and the bytes of
// numbers and literals. Strings, their quotes and escapes are skipped, so
// a caller counting nesting or separators need not track them.
func Structural(b []byte) iter.Seq[byte] {
	return func(yield func(byte) bool) {
		inString := false
		for i := 0; i < len(b); i++ {
			c := b[i]
			if inString {
				switch c {
				case '\\':
					i++
				case '"':
					inString = false
				}
				continue
			}
			if c == '"' {
				inString = true
				continue
			}
			if !yield(c) {
				return
			}
		}
	}
}
