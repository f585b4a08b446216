package sora

import (
	"encoding/json"
	"errors"
	"unicode/utf8"
)

// The request encoders below write the body of one metadata action each,
// appending to b (so a caller may reuse a buffer) in the field order of the
// wire reference: channel_id, connection_id, key, value or metadata, push.
// push is written only when true. Strings must be valid UTF-8 (an error
// names the field); value and metadata are JSON texts written as they are,
// so they must be valid JSON (metadata an object).

// AppendListRequest appends the body of TargetList.
func AppendListRequest(b []byte, channelID string) ([]byte, error) {
	b, err := appendString(b, `{"channel_id":`, channelID, "channel_id")
	return append(b, '}'), err
}

// AppendGetRequest appends the body of TargetGet.
func AppendGetRequest(b []byte, channelID, connectionID string) ([]byte, error) {
	b, err := appendConn(b, channelID, connectionID)
	return append(b, '}'), err
}

// AppendPutRequest appends the body of TargetPut.
func AppendPutRequest(b []byte, channelID, connectionID string, metadata json.RawMessage, push bool) ([]byte, error) {
	b, err := appendConn(b, channelID, connectionID)
	b = append(append(b, `,"metadata":`...), metadata...)
	return appendPush(b, push), err
}

// AppendDeleteRequest appends the body of TargetDelete.
func AppendDeleteRequest(b []byte, channelID, connectionID string, push bool) ([]byte, error) {
	b, err := appendConn(b, channelID, connectionID)
	return appendPush(b, push), err
}

// AppendPutItemRequest appends the body of TargetPutItem.
func AppendPutItemRequest(b []byte, channelID, connectionID, key string, value json.RawMessage, push bool) ([]byte, error) {
	b, err := appendConnKey(b, channelID, connectionID, key)
	b = append(append(b, `,"value":`...), value...)
	return appendPush(b, push), err
}

// AppendDeleteItemRequest appends the body of TargetDeleteItem.
func AppendDeleteItemRequest(b []byte, channelID, connectionID, key string, push bool) ([]byte, error) {
	b, err := appendConnKey(b, channelID, connectionID, key)
	return appendPush(b, push), err
}

// appendConn opens an object with channel_id and connection_id.
func appendConn(b []byte, channelID, connectionID string) ([]byte, error) {
	b, err := appendString(b, `{"channel_id":`, channelID, "channel_id")
	if err != nil {
		return b, err
	}
	return appendString(b, `,"connection_id":`, connectionID, "connection_id")
}

// appendConnKey opens an object with channel_id, connection_id and key.
func appendConnKey(b []byte, channelID, connectionID, key string) ([]byte, error) {
	b, err := appendConn(b, channelID, connectionID)
	if err != nil {
		return b, err
	}
	return appendString(b, `,"key":`, key, "key")
}

// appendPush closes an object, with "push":true when push.
func appendPush(b []byte, push bool) []byte {
	if push {
		b = append(b, `,"push":true`...)
	}
	return append(b, '}')
}

// appendString appends prefix (the literal text before a string member's
// value) and s as a JSON string; field names the member in the error of
// invalid UTF-8.
func appendString(b []byte, prefix, s, field string) ([]byte, error) {
	b, ok := AppendString(append(b, prefix...), s)
	if !ok {
		return b, errors.New(field + " is not valid UTF-8")
	}
	return b, nil
}

const hexDigits = "0123456789abcdef"

// AppendString appends s as a JSON string: only '"', '\\' and control
// characters are escaped (no HTML escaping), UTF-8 is kept as is. It
// returns false, having appended part of s, when s is not valid UTF-8.
func AppendString(b []byte, s string) ([]byte, bool) {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			return b, false
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"'), true
}
