package syntax

import (
	stdjson "encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// stdValid is what Valid must agree with.
func stdValid(data []byte) bool { return utf8.Valid(data) && stdjson.Valid(data) }

func TestValid(t *testing.T) {
	deep := func(n int, open, close string) string { return strings.Repeat(open, n) + strings.Repeat(close, n) }
	cases := []struct {
		name, doc string
	}{
		{"empty", ``},
		{"space only", " \t\r\n"},
		{"object", `{"a":1,"b":[true,false,null],"c":{"d":"e"}}`},
		{"spaced object", " { \"a\" : 1 , \"b\" : [ ] , \"c\" : { } } "},
		{"empty object", `{}`},
		{"empty array", `[ ]`},
		{"top-level scalars", `"s"`},
		{"top-level number", `-12.5e+3`},
		{"top-level literal", `null`},
		{"two values", `1 2`},
		{"trailing comma in array", `[1,]`},
		{"trailing comma in object", `{"a":1,}`},
		{"missing colon", `{"a" 1}`},
		{"non-string key", `{1:2}`},
		{"mismatched brackets", `[1}`},
		{"unclosed array", `[1,2`},
		{"unclosed string", `"abc`},
		{"control character in string", "\"a\x01b\""},
		{"escapes", `"\" \\ \/ \b \f \n \r \t \u00e9 \uD83D\uDE00"`},
		{"bad escape", `"\x"`},
		{"short unicode escape", `"\u12"`},
		{"bad hex in escape", `"\u12G4"`},
		{"lone surrogate escape", `"\uD800"`},
		{"utf-8 in string", `"日本語 é 😀"`},
		{"invalid utf-8 in string", "\"a\xffb\""},
		{"utf-8 surrogate in string", "\"\xed\xa0\x80\""},
		{"truncated utf-8 in string", "\"\xe6\x97\""},
		{"replacement character in string", "\"\xef\xbf\xbd\""},
		{"non-ascii outside string", "[1,\xc3\xa9]"},
		{"leading zero", `01`},
		{"zero", `0`},
		{"negative zero", `-0`},
		{"minus only", `-`},
		{"dot without digits", `1.`},
		{"exponent without digits", `1e`},
		{"exponent sign without digits", `1e+`},
		{"leading dot", `.5`},
		{"plus sign", `+1`},
		{"literal prefix", `tru`},
		{"literal with tail", `truex`},
		{"capitalised literal", `True`},
		{"nul byte after value", "1\x00"},
		{"nested 10000", deep(maxNesting, "[", "]")},
		{"nested 10001", deep(maxNesting+1, "[", "]")},
		{"nested objects", strings.Repeat(`{"a":`, 100) + "1" + strings.Repeat("}", 100)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got, want := Valid([]byte(tc.doc)), stdValid([]byte(tc.doc)); got != want {
				t.Errorf("Valid(%.40q) = %v, utf8.Valid && encoding/json.Valid = %v", tc.doc, got, want)
			}
		})
	}
}

func TestValidDepth(t *testing.T) {
	cases := []struct {
		name  string
		doc   string
		depth int
		want  bool
	}{
		{"at the limit", "[[1]]", 2, true},
		{"over the limit", "[[1]]", 1, false},
		{"objects over the limit", `{"a":{"b":1}}`, 1, false},
		{"brackets in a string", `["[[["]`, 1, true},
		{"scalar at depth 0", `1`, 0, true},
		{"invalid within the limit", "[1,]", 5, false},
		{"over encoding/json's limit", strings.Repeat("[", maxNesting+1) + strings.Repeat("]", maxNesting+1), maxNesting + 5, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := ValidDepth([]byte(tc.doc), tc.depth); got != tc.want {
				t.Errorf("ValidDepth(%.40q, %d) = %v, want %v", tc.doc, tc.depth, got, tc.want)
			}
		})
	}
}

// FuzzValid holds valid to utf8.Valid && encoding/json.Valid on any input.
func FuzzValid(f *testing.F) {
	for _, s := range []string{`{"a":[1,null,3],"b":{},"c":[]}`, `"\u00e9\n"`, `-0.5E-7`, "[\"\xe6\x97\xa5\"]", `{"a":{"b":[true,false]}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if got, want := Valid(data), stdValid(data); got != want {
			t.Fatalf("Valid(%q) = %v, utf8.Valid && encoding/json.Valid = %v", data, got, want)
		}
	})
}
