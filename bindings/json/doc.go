// Package json is the Lua module "json" (require("json")) and the lossless
// conversions between Lua values, Go JSON values and JSON text that every
// other module and the engine use.
//
// Unlike layeh.com/gopher-json, whose json.encode/json.decode it keeps
// (same names and call shapes), it loses nothing on a round trip: JSON null
// is the json.null sentinel (so [1,null,3] keeps its length and {"k":null}
// its key), empty objects and arrays keep their kind through marker
// metatables, and a number that a float64 cannot hold exactly is a
// json.number keeping its text, never rounded. The rules are spelled out on Loader; differential_test.go
// lists where and why it differs from gopher-json.
//
// Entry points: Loader (the module), Encode and Decode (Lua <-> JSON text),
// DecodeReader and ForEachElement (a big array read as a stream),
// DecodeMembers (a few members of an object, the rest only checked),
// ToLua and FromLuaPath (Go JSON values <-> Lua), Null, MarkArray, MarkObject;
// NewLazyMetatable, Fill and Field for tables filled in when first used
// (every walk of a table here fills it first), Objects and
// DecodeReaderLazy for a List's connections kept as text until used,
// Decodable to check a reply kept for later decoding. Number texts are
// read and written exactly by internal/numtext, syntax is checked by
// internal/syntax; neither knows Lua.
package json
