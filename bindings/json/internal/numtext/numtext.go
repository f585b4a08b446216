// Package numtext reads and writes the text of JSON numbers exactly, for
// the json module's decoder and encoder: which texts a Lua number (a
// float64) holds exactly (Exact), the shortest JSON text of a float64
// (Append), and the exact value of a text as a decimal (Parse, Compare),
// so that 1e2 and 100.0 compare equal and 9007199254740993 is never
// rounded. Plain Go, no Lua.
package numtext

import (
	"math"
	"strconv"
	"strings"
)

// Exact returns the Lua number of the JSON number text s (valid
// syntax) and true when writing that Lua number back gives the same value
// (1.0, 1e3 and 0.1 do; 9007199254740993, 1e400 and 1e-400 do not).
func Exact(s string) (float64, bool) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, false // out of range
	}
	if f == 0 {
		return f, !hasNonZeroDigit(s) // underflow to 0 is not exact
	}
	if abs := max(f, -f); abs < 1<<53 && abs >= 0x1p-1022 && SignificantDigits(s) <= 15 {
		// At most 15 significant digits in the normal range: the
		// float64 keeps them all (DBL_DIG), so it writes back the same.
		return f, true
	}
	b, _ := Append(nil, f)
	return f, Parse(string(b)) == Parse(s)
}

// hasNonZeroDigit reports whether the mantissa of s has a digit 1-9.
func hasNonZeroDigit(s string) bool {
	for i := 0; i < len(s) && s[i] != 'e' && s[i] != 'E'; i++ {
		if '1' <= s[i] && s[i] <= '9' {
			return true
		}
	}
	return false
}

// SignificantDigits counts the digits of the mantissa of s without leading
// and trailing zeros.
func SignificantDigits(s string) int {
	first, last, n := -1, -1, 0 // positions among the digits
	for i := 0; i < len(s) && s[i] != 'e' && s[i] != 'E'; i++ {
		c := s[i]
		if c < '0' || c > '9' {
			continue // sign, point
		}
		if c != '0' {
			if first < 0 {
				first = n
			}
			last = n
		}
		n++
	}
	if first < 0 {
		return 0
	}
	return last - first + 1
}

// Decimal is the value of a JSON number text, (-1)^neg * Digits * 10^exp.
type Decimal struct {
	neg    bool
	Digits string // without leading or trailing zeros, empty for 0
	exp    int64
	bad    bool // an exponent too large to hold
}

// Parse returns the value of the JSON number text s (valid syntax).
func Parse(s string) Decimal {
	var d Decimal
	if strings.HasPrefix(s, "-") {
		d.neg, s = true, s[1:]
	}
	mant, exp := s, ""
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		mant, exp = s[:i], s[i+1:]
	}
	if exp != "" {
		e, err := strconv.ParseInt(strings.TrimPrefix(exp, "+"), 10, 64)
		if err != nil || e > 1<<40 || e < -1<<40 {
			d.bad = true
			e = 0
		}
		d.exp = e
	}
	intPart, frac, _ := strings.Cut(mant, ".")
	digits := intPart + frac
	d.exp -= int64(len(frac))
	digits = strings.TrimLeft(digits, "0")
	trimmed := strings.TrimRight(digits, "0")
	d.exp += int64(len(digits) - len(trimmed))
	d.Digits = trimmed
	if d.Digits == "" {
		d.exp, d.neg = 0, false
	}
	return d
}

// Compare compares two decimals: -1, 0 or +1. Zero has no sign.
func Compare(a, b Decimal) int {
	if a.Digits == "" || b.Digits == "" || a.neg != b.neg {
		sa, sb := sign(a), sign(b)
		switch {
		case sa < sb:
			return -1
		case sa > sb:
			return 1
		}
		return 0
	}
	c := cmpMagnitude(a, b)
	if a.neg {
		return -c
	}
	return c
}

func sign(d Decimal) int {
	switch {
	case d.Digits == "":
		return 0
	case d.neg:
		return -1
	}
	return 1
}

// cmpMagnitude compares |a| and |b|, both non-zero.
func cmpMagnitude(a, b Decimal) int {
	// The order of magnitude is len(digits)+exp.
	ma, mb := int64(len(a.Digits))+a.exp, int64(len(b.Digits))+b.exp
	switch {
	case ma < mb:
		return -1
	case ma > mb:
		return 1
	}
	n := max(len(a.Digits), len(b.Digits))
	for i := range n {
		ca, cb := byte('0'), byte('0')
		if i < len(a.Digits) {
			ca = a.Digits[i]
		}
		if i < len(b.Digits) {
			cb = b.Digits[i]
		}
		if ca != cb {
			if ca < cb {
				return -1
			}
			return 1
		}
	}
	return 0
}

// Append appends the JSON form of f (see Loader); ok is false
// for NaN and ±Inf.
func Append(b []byte, f float64) (_ []byte, ok bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return b, false
	}
	if f == math.Trunc(f) {
		if math.Abs(f) < 1e15 {
			if f == 0 && math.Signbit(f) {
				return append(b, '-', '0'), true
			}
			return strconv.AppendInt(b, int64(f), 10), true
		}
		return strconv.AppendFloat(b, f, 'f', 0, 64), true // exact digits
	}
	if math.Abs(f) >= 1e-6 {
		return strconv.AppendFloat(b, f, 'f', -1, 64), true
	}
	b = strconv.AppendFloat(b, f, 'e', -1, 64)
	// Like encoding/json: 1e-07 -> 1e-7.
	if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
		b[n-2] = b[n-1]
		b = b[:n-1]
	}
	return b, true
}
