package scriptargs

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Parse builds the script's `args` table from the values of --arg
// (KEY=VALUE, kvs) and --args-json: --arg values are strings; --args-json
// values keep their JSON types (numbers exactly, as json.Number). A key
// given both ways takes the --arg value.
func Parse(kvs []string, argsJSON string) (map[string]any, error) {
	args := map[string]any{}
	if strings.TrimSpace(argsJSON) != "" {
		dec := json.NewDecoder(strings.NewReader(argsJSON))
		dec.UseNumber()
		v, err := decodeStrict(dec, "")
		if err != nil {
			return nil, fmt.Errorf("--args-json: %w", err)
		}
		obj, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("--args-json: want a JSON object such as '{\"minutes\": 10}', got %s", jsonKind(v))
		}
		if dec.More() {
			return nil, fmt.Errorf("--args-json: unexpected data after the JSON object")
		}
		args = obj
	}
	for _, kv := range kvs {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("--arg %q: want KEY=VALUE", kv)
		}
		args[k] = v
	}
	return args, nil
}

// decodeStrict decodes the next JSON value of dec (numbers as json.Number)
// and refuses what encoding/json lets through: a key given twice in an
// object (the first value would be lost without a word) and a number out
// of the range of a double (1e400 would become infinity). path names the
// value in messages.
func decodeStrict(dec *json.Decoder, path string) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, notJSON(err)
	}
	switch tok := tok.(type) {
	case json.Delim:
		switch tok {
		case '{':
			obj := map[string]any{}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, notJSON(err)
				}
				k, _ := kt.(string)
				if _, dup := obj[k]; dup {
					return nil, fmt.Errorf("key %q given twice in %s", k, where(path))
				}
				if obj[k], err = decodeStrict(dec, path+"."+k); err != nil {
					return nil, err
				}
			}
			return obj, closing(dec) // }
		case '[':
			arr := []any{}
			for i := 0; dec.More(); i++ {
				v, err := decodeStrict(dec, fmt.Sprintf("%s[%d]", path, i))
				if err != nil {
					return nil, err
				}
				arr = append(arr, v)
			}
			return arr, closing(dec) // ]
		}
	case json.Number:
		if _, err := strconv.ParseFloat(string(tok), 64); err != nil {
			return nil, fmt.Errorf("number %s at %s is out of range (beyond about 1.8e308)", tok, where(path))
		}
	}
	return tok, nil
}

// closing reads the delimiter that ends an object or an array.
func closing(dec *json.Decoder) error {
	if _, err := dec.Token(); err != nil {
		return notJSON(err)
	}
	return nil
}

// notJSON words a decoding error; the end of the input in the middle of a
// value is said as such rather than as a bare EOF.
func notJSON(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errors.New("not valid JSON: unexpected end of input")
	}
	return fmt.Errorf("not valid JSON: %w", err)
}

// where names a value of --args-json for decodeStrict's messages.
func where(path string) string {
	if path == "" {
		return "the top-level object"
	}
	return "args" + path
}

// jsonKind names the JSON type of a decoded value.
func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case []any:
		return "an array"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case json.Number, float64:
		return "a number"
	}
	return "an object"
}
