package bindings

import (
	"errors"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// TestDecodeJSONSyntaxError: input that is not JSON is a *JSONPathError
// without path matching ErrJSONSyntax, whose message is the syntax error
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
			_, err := DecodeJSON(L, []byte(tt.in))
			var pe *JSONPathError
			if !errors.As(err, &pe) || !errors.Is(err, ErrJSONSyntax) || pe.Path != "" {
				t.Fatalf("error %#v is not a path-less *JSONPathError matching ErrJSONSyntax", err)
			}
			if errors.Is(err, ErrJSONValue) {
				t.Error("a syntax error matches ErrJSONValue")
			}
			if err.Error() != tt.want {
				t.Errorf("error %q, want %q", err, tt.want)
			}
		})
	}
}
