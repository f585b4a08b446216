// Package hex is the Lua module "hex": hexadecimal encoding of byte
// strings.
//
//	local hex = require("hex")
//	hex.encode("\1\171")   --> "01ab"
//	hex.decode("01AB")     --> "\1\171"
//	hex.decode("xyz")      --> nil, "hex.decode: invalid byte: U+0078 'x'"
//
// encode writes lower-case digits; decode accepts either case and returns
// nil and an error message on bad input. Results over the run's string
// limit are refused with an error.
package hex
