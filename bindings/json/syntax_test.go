package json

import (
	"errors"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// TestDecodeJSONSyntaxError: input that is not JSON is a *PathError
// without path matching ErrSyntax, whose message is the syntax error
// alone (callers such as the sora module classify it as a decode error).
func TestDecodeJSONSyntaxError(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	tests := []struct{ in, want string }{
		{"hello", "invalid JSON at offset 1: invalid character 'h' looking for beginning of value"},
		{`{"a":`, "invalid JSON: unexpected end of input"},
		{"\"\xff\"", "invalid JSON at offset 1: not valid UTF-8"},
		{"{} []", "invalid JSON at offset 4: invalid character '[' after top-level value"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := Decode(L, []byte(tt.in))
			var pe *PathError
			if !errors.As(err, &pe) || !errors.Is(err, ErrSyntax) || pe.Path != "" {
				t.Fatalf("error %#v is not a path-less *PathError matching ErrSyntax", err)
			}
			if errors.Is(err, ErrValue) {
				t.Error("a syntax error matches ErrValue")
			}
			if err.Error() != tt.want {
				t.Errorf("error %q, want %q", err, tt.want)
			}
		})
	}
}
