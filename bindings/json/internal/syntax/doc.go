// Package syntax checks that bytes are one JSON document in valid UTF-8,
// in one pass and without allocating: exactly what utf8.Valid together
// with encoding/json.Valid accept (FuzzValid holds it to that). It knows
// nothing of Lua; package json uses it before decoding a reply and falls
// back to encoding/json only to word an error. Structural walks a JSON
// text's bytes outside strings, for counting nesting and separators.
package syntax
