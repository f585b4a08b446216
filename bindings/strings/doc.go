// Package strings is the Lua module "strings": the string helpers of Go's
// strings package that Lua's string library lacks.
//
//	local strings = require("strings")
//	strings.split("a,b,c", ",")          --> {"a", "b", "c"}
//	strings.fields("  a  b ")            --> {"a", "b"}
//	strings.join({"a", "b"}, "/")        --> "a/b"
//	strings.trim("  x  ")                --> "x"
//	strings.trim("--x--", "-")           --> "x"
//	strings.has_prefix("sora-1", "sora") --> true
//	strings.has_suffix("a.lua", ".lua")  --> true
//	strings.contains("abc", "b")         --> true
//	strings.replace("aaa", "a", "b", 2)  --> "bba"
//	strings.lower("ABC"), strings.upper("abc")
//
// Strings are byte strings as everywhere in Lua; split with an empty
// separator splits into UTF-8 characters. Results larger than the run's
// string limit (engine.Options.MaxStringBytes) are refused with an error,
// as string.rep and table.concat are. Misuse (a wrong argument type) raises
// an error at the caller's line.
package strings
