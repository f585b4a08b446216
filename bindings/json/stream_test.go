package json

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	lua "github.com/yuin/gopher-lua"
)

// TestDecodeReader checks that DecodeReader gives what Decode gives, for
// arrays decoded element by element and for other documents, and fails
// on the same bad input.
func TestDecodeReader(t *testing.T) {
	deep := strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth)
	tests := []struct {
		name, in string
		err      string // a substring of the error; "" when it decodes
	}{
		{"empty array", `[]`, ""},
		{"numbers", `[1, 2.5, -0, 1e400, 9007199254740993]`, ""},
		{"connections", `[{"connection_id":"A","metadata":{"n":1,"big":18446744073709551617}}, {"connection_id":"B","metadata":{}}]`, ""},
		{"white space", " \n [ {\"x\" : null} , [ ] ] \t", ""},
		{"nested arrays keep their marks", `[[], {}, [{}]]`, ""},
		{"object", `{"a":[1,2]}`, ""},
		{"string", `"s"`, ""},
		{"null", `null`, ""},
		{"unterminated", `[1,`, "unexpected end of input"},
		{"trailing comma", `[1,]`, "invalid JSON"},
		{"garbage after the array", `[1] x`, "data after the top-level value"},
		{"missing comma", `[1 2]`, "invalid character '2' after array element 1"},
		{"leading comma", `[,1]`, "[1]: invalid JSON"},
		{"bad literal", `[1, tru]`, "[2]: invalid JSON"},
		{"escaped quote and brackets in strings", `["a\"]", "[{", {"k}":"]"}]`, ""},
		{"literals", `[true,false,null,-1.5e3]`, ""},
		{"value after the array", `[1] 2`, "data after the top-level value"},
		{"invalid UTF-8 in an element", "[\"a\", \"\xff\"]", "[2]: invalid JSON: not valid UTF-8"},
		{"too deep in an element", "[1, " + deep + "]", "[2]"},
		{"empty input", ``, "unexpected end of input"},
		{"bad object", `{"a":}`, "invalid JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			L := lua.NewState()
			defer L.Close()
			// One byte at a time: elements span the reader's reads.
			got, err := DecodeReader(L, iotest.OneByteReader(strings.NewReader(tt.in)))
			want, werr := Decode(L, []byte(tt.in))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want one with %q", err, tt.err)
				}
				if werr == nil {
					t.Fatalf("Decode accepts what DecodeReader refuses: %v", err)
				}
				if errors.Is(werr, ErrSyntax) != errors.Is(err, ErrSyntax) {
					t.Errorf("error kinds differ: %v and Decode's %v", err, werr)
				}
				return
			}
			if err != nil || werr != nil {
				t.Fatalf("errors %v, Decode's %v", err, werr)
			}
			ge, err := Encode(got)
			if err != nil {
				t.Fatal(err)
			}
			we, err := Encode(want)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(ge, we) {
				t.Errorf("decoded %s, Decode gives %s", ge, we)
			}
		})
	}
	t.Run("reader error", func(t *testing.T) {
		L := lua.NewState()
		defer L.Close()
		boom := errors.New("boom")
		_, err := DecodeReader(L, iotest.ErrReader(boom))
		if !errors.Is(err, boom) {
			t.Errorf("error %v, want the reader's", err)
		}
		_, err = DecodeReader(L, io.MultiReader(strings.NewReader(`[{"a":1},`), iotest.ErrReader(boom)))
		if !errors.Is(err, boom) {
			t.Errorf("error %v mid-array, want the reader's", err)
		}
	})
}

// TestForEachElement checks the elements ForEachElement hands over, and
// its errors.
func TestForEachElement(t *testing.T) {
	tests := []struct {
		name, in, want, err string
	}{
		{"connections", ` [ {"a":"]"} , [1,[2]], "x\"y", 1.5e3, null ] `, `{"a":"]"}|[1,[2]]|"x\"y"|1.5e3|null|`, ""},
		{"empty", `[]`, "", ""},
		{"null", ` null `, "", ""},
		{"object", `{"a":1}`, "", "not a JSON array"},
		{"unterminated", `[1, 2`, "1|2|", "unexpected end of input"},
		{"after the array", `[1] [`, "1|", "data after the top-level value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got strings.Builder
			err := ForEachElement(iotest.HalfReader(strings.NewReader(tt.in)), func(elem []byte) error {
				got.Write(elem)
				got.WriteByte('|')
				return nil
			})
			if tt.err == "" && err != nil || tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)) {
				t.Fatalf("error %v, want %q", err, tt.err)
			}
			if got.String() != tt.want {
				t.Errorf("elements %s, want %s", got.String(), tt.want)
			}
		})
	}
}
