// Package base64 is the Lua module "base64": standard and URL-safe base64
// (RFC 4648).
//
//	local base64 = require("base64")
//	base64.encode("sora")           --> "c29yYQ=="
//	base64.decode("c29yYQ==")       --> "sora"
//	base64.url_encode("\255\254")   --> "__4"   (URL alphabet, no padding, as in JWTs)
//	base64.url_decode("__4")        --> "\255\254"
//	base64.decode("not base64!")    --> nil, "base64.decode: illegal base64 data at input byte 3"
//
// decode and url_decode return nil and an error message on bad input (the
// input is data, not code); url_decode accepts the input with or without
// padding. Results over the run's string limit are refused with an error.
package base64
