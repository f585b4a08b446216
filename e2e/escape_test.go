package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/soracron/soracron/emulator"
	"github.com/soracron/soracron/sora"
)

// TestStringEscapingAgrees pins the emulator's JSON string escaping (its own,
// independent implementation) to the client's (sora.AppendString, which the
// Lua json codec also uses): a string that is not valid UTF-8 is refused by
// both, and a key the client sends comes back in the emulator's push message
// as the same string. The bytes may differ in form only: the emulator writes
// \b, \f, U+2028 and U+2029 as \u escapes, as encoding/json does; the client
// writes the short escapes and U+2028/2029 as they are.
func TestStringEscapingAgrees(t *testing.T) {
	e, srv, ids := startEmulator(t, emulator.Faults{}, 1)
	tests := []struct {
		name string
		key  string
		ok   bool
	}{
		{"plain", "sora", true},
		{"quote and backslash", `a"b\c`, true},
		{"controls", "\x01\b\f\n\r\t\x1f", true},
		{"html", "<a&b>", true},
		{"utf-8", "héllo 🍣 \u2028", true},
		{"DEL", "\x7f", true},
		{"invalid byte", "a\xffb", false},
		{"truncated rune", "\xe3\x81", false},
		{"surrogate half", "\xed\xa0\x80", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wire, ok := sora.AppendString(nil, tt.key)
			if ok != tt.ok {
				t.Fatalf("client: ok = %v, want %v", ok, tt.ok)
			}
			if !ok { // send the raw bytes the client refuses to write
				wire = []byte(`"` + tt.key + `"`)
			}
			body := `{"channel_id":"sora","connection_id":"` + ids[0] + `","key":` + string(wire) + `,"value":1,"push":true}`
			before := len(e.Deliveries("sora"))
			req, _ := http.NewRequest(http.MethodPost, srv.URL+"/", strings.NewReader(body))
			req.Header.Set("x-sora-target", sora.TargetPutItem)
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			reply, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if !tt.ok {
				if resp.StatusCode != http.StatusBadRequest {
					t.Fatalf("emulator accepted invalid UTF-8: %d %s", resp.StatusCode, reply)
				}
				return
			}
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("emulator: %d %s", resp.StatusCode, reply)
			}
			ds := e.Deliveries("sora")
			if len(ds) != before+1 {
				t.Fatalf("%d deliveries, want %d", len(ds), before+1)
			}
			var msg struct {
				Data struct {
					Key string `json:"key"`
				} `json:"data"`
			}
			if err := json.Unmarshal(ds[len(ds)-1].Message, &msg); err != nil {
				t.Fatal(err)
			}
			var back string
			if err := json.Unmarshal(wire, &back); err != nil {
				t.Fatalf("client wrote invalid JSON %s: %v", wire, err)
			}
			if msg.Data.Key != tt.key || back != tt.key {
				t.Errorf("key %q: emulator's push has %q, client's encoding reads back as %q", tt.key, msg.Data.Key, back)
			}
		})
	}
}
