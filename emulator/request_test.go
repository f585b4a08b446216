package emulator

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/soracron/soracron/emulator/internal/jsonscan"
)

// FuzzParseRequest checks the hand-written scanner against encoding/json:
// same verdict on "is a JSON object", same raw value for every known key
// (the last one when a key repeats), and compaction that preserves values.
func FuzzParseRequest(f *testing.F) {
	for _, s := range []string{
		`{"channel_id":"sora","connection_id":"X","key":"k","value":{"a":[1,2,{"b":"}"}]},"push":true}`,
		`{"\u0063hannel_id" : "s\"o\\ra" , "value" : "{[\"" }`,
		`{"metadata":{"k":1,"k":2},"data":[],"local":false,"reason":null}`,
		` { } `, `[]`, `"x"`, `{"a":1}{}`, `{"value":-1.5e+10}`, "{\"key\":\"\u2028\"}", `{"channel_id":1,"channel_id":"b"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var f reqFields
		ok := parseRequest(body, &f)
		var ref map[string]json.RawMessage
		refOK := json.Unmarshal(body, &ref) == nil && ref != nil && bytes.HasPrefix(bytes.TrimLeft(body, " \t\r\n"), []byte{'{'})
		if !json.Valid(body) || !validUTF8(body) {
			refOK = false
		}
		if ok != refOK {
			t.Fatalf("parseRequest %v, encoding/json %v for %q", ok, refOK, body)
		}
		if !ok {
			return
		}
		for name, got := range map[string][]byte{
			"channel_id": f.channelID, "connection_id": f.connectionID, "client_id": f.clientID, "role": f.role, "key": f.key, "value": f.value,
			"metadata": f.metadata, "push": f.push, "data": f.data, "reason": f.reason, "local": f.local,
		} {
			want, present := exactKey(t, body, name)
			if present != (got != nil) || !bytes.Equal(got, want) {
				t.Fatalf("%s: got %q, want %q (present %v) in %q", name, got, want, present, body)
			}
			if got != nil {
				c := jsonscan.CompactCopy(got)
				var a, b any
				if json.Unmarshal(c, &a) != nil || json.Unmarshal(got, &b) != nil {
					t.Fatalf("compact %q of %q is not JSON", c, got)
				}
				var want bytes.Buffer
				_ = json.Compact(&want, got)
				if !bytes.Equal(c, want.Bytes()) {
					t.Fatalf("compact %q, json.Compact %q", c, want.Bytes())
				}
			}
		}
	})
}

func validUTF8(b []byte) bool { return bytes.Equal(bytes.ToValidUTF8(b, nil), b) }

// exactKey returns the raw value of the last member named exactly name,
// found with encoding/json's tokenizer.
func exactKey(t *testing.T, body []byte, name string) ([]byte, bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	if _, err := dec.Token(); err != nil {
		t.Fatal(err)
	}
	var out []byte
	found := false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			t.Fatal(err)
		}
		if tok.(string) == name {
			out, found = bytes.TrimSpace(raw), true
		}
	}
	return out, found
}
