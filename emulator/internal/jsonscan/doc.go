// Package jsonscan holds the emulator's small JSON helpers of the request
// hot path, without reflection: the members of an object as raw key and
// value tokens (keys are matched exactly: Sora is case-sensitive,
// encoding/json is not), strings decoded and written, valid JSON compacted,
// and the name of a value's type for error messages. Values stay raw JSON,
// so numbers survive byte for byte.
//
// Every function but AppendString expects input already checked with
// json.Valid. Like the rest of the emulator, the package imports nothing of
// the project (bindings/json, the client's codec, is written apart).
package jsonscan
