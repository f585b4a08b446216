package redact

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// JSON returns the JSON data with every secret in its strings (keys too)
// replaced by Redacted; data as is when it holds none.
func (r *Redactor) JSON(data []byte) []byte {
	rep := r.r.Load()
	if rep == nil {
		return data
	}
	// A secret may appear escaped in JSON ("\u003c" for '<'); decoding
	// first finds it in any form.
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return []byte(strconv.Quote(Redacted)) // not JSON: keep nothing of it
	}
	changed := false
	var walk func(any) any
	walk = func(v any) any {
		switch x := v.(type) {
		case string:
			if y := rep.Replace(x); y != x {
				changed = true
				return y
			}
		case []any:
			for i, e := range x {
				x[i] = walk(e)
			}
		case map[string]any:
			for k, e := range x {
				e = walk(e)
				if k2 := rep.Replace(k); k2 != k {
					changed = true
					delete(x, k)
					k = k2
				}
				x[k] = e
			}
		}
		return v
	}
	v = walk(v)
	if !changed {
		return data
	}
	out, err := json.Marshal(v)
	if err != nil {
		return []byte(strconv.Quote(Redacted))
	}
	return out
}
