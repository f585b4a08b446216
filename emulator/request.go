package emulator

import (
	"encoding/json"
	"unicode/utf8"

	"github.com/soracron/soracron/emulator/internal/jsonscan"
)

// Request bodies are validated once with json.Valid and then scanned without
// reflection (package jsonscan): the keys of the top-level object are matched
// exactly (Sora is case-sensitive, encoding/json is not) and values are kept
// as raw JSON, so numbers survive byte for byte.

// reqFields holds the raw JSON of the keys a Sora action may read; a nil
// slice means the key is absent. Slices point into the request buffer and
// must be copied before they are kept.
type reqFields struct {
	channelID, connectionID, clientID, role, key, value, metadata, push, data, reason, local []byte
}

// parseRequest fills f from body, which must be a JSON object. It reports
// false when body is not valid JSON (or not UTF-8) or not an object.
func parseRequest(body []byte, f *reqFields) bool {
	if !json.Valid(body) || !utf8.Valid(body) {
		return false
	}
	return jsonscan.ObjectMembers(body, func(key, val []byte) {
		switch string(jsonscan.KeyText(key)) { // no allocation: the compiler switches on the bytes
		case "channel_id":
			f.channelID = val
		case "connection_id":
			f.connectionID = val
		case "client_id":
			f.clientID = val
		case "role":
			f.role = val
		case "key":
			f.key = val
		case "value":
			f.value = val
		case "metadata":
			f.metadata = val
		case "push":
			f.push = val
		case "data":
			f.data = val
		case "reason":
			f.reason = val
		case "local":
			f.local = val
		}
	})
}
