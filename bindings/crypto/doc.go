// Package crypto is the Lua module "crypto": hashes, message
// authentication, random bytes and UUIDs.
//
//	local crypto = require("crypto")
//	crypto.sha256("abc")               --> "ba7816bf...15ad" (hex)
//	crypto.hmac_sha256("key", "msg")   --> "2d93cbc1...0a4a" (hex)
//	crypto.random_bytes(16)            --> 16 bytes from the system's CSPRNG
//	crypto.uuid_v4()                   --> "f47ac10b-58cc-4372-a567-0e02b2c3d479"
//	crypto.uuid_v7()                   --> time-ordered UUID (RFC 9562)
//
// Digests are lower-case hex strings; hex.decode gives their bytes (for
// base64.encode, e.g. in a signature header). random_bytes takes at most
// MaxRandomBytes. UUIDs come from github.com/google/uuid.
package crypto
