package sora_test

import (
	"strings"
	"testing"

	"github.com/soracron/soracron/sora"
)

// TestRequestEncoders pins the body of every metadata request: field order,
// push only when true, values written as given, strings escaped as JSON.
func TestRequestEncoders(t *testing.T) {
	const ch, conn = "sora", "0FQE5EA5YN3FS13P01QZ1JG8R0"
	enc := func(b []byte, err error) string {
		if err != nil {
			return "error: " + err.Error()
		}
		return string(b)
	}
	prefix := []byte("kept:")
	tests := []struct {
		name, got, want string
	}{
		{"list", enc(sora.AppendListRequest(nil, ch)), `{"channel_id":"sora"}`},
		{"get", enc(sora.AppendGetRequest(nil, ch, conn)), `{"channel_id":"sora","connection_id":"` + conn + `"}`},
		{"put", enc(sora.AppendPutRequest(nil, ch, conn, []byte(`{"a":null}`), false)),
			`{"channel_id":"sora","connection_id":"` + conn + `","metadata":{"a":null}}`},
		{"put push", enc(sora.AppendPutRequest(nil, ch, conn, []byte(`{}`), true)),
			`{"channel_id":"sora","connection_id":"` + conn + `","metadata":{},"push":true}`},
		{"delete", enc(sora.AppendDeleteRequest(nil, ch, conn, true)),
			`{"channel_id":"sora","connection_id":"` + conn + `","push":true}`},
		{"put item", enc(sora.AppendPutItemRequest(nil, ch, conn, "k", []byte(`[1,"<x>"]`), false)),
			`{"channel_id":"sora","connection_id":"` + conn + `","key":"k","value":[1,"<x>"]}`},
		{"delete item", enc(sora.AppendDeleteItemRequest(nil, ch, conn, "k\"\n\t\x01é", true)),
			`{"channel_id":"sora","connection_id":"` + conn + `","key":"k\"\n\t\u0001é","push":true}`},
		{"appends", enc(sora.AppendListRequest(prefix, ch)), `kept:{"channel_id":"sora"}`},
		{"bad channel", enc(sora.AppendGetRequest(nil, "a\xff", conn)), "error: channel_id is not valid UTF-8"},
		{"bad connection", enc(sora.AppendDeleteRequest(nil, ch, "\xc3", false)), "error: connection_id is not valid UTF-8"},
		{"bad key", enc(sora.AppendPutItemRequest(nil, ch, conn, "\xed\xa0\x80", []byte(`1`), false)), "error: key is not valid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got  %s\nwant %s", tt.got, tt.want)
			}
		})
	}
}

// TestTargetTable checks the table's own consistency: the six metadata
// actions with their short Lua names, the four writes, unique names.
func TestTargetTable(t *testing.T) {
	seen := map[string]bool{}
	actions, writes := 0, 0
	for _, tg := range sora.Targets() {
		if seen[tg.Name] || seen[tg.Short()] {
			t.Errorf("%s listed twice", tg.Name)
		}
		seen[tg.Name], seen[tg.Short()] = true, true
		if !strings.HasPrefix(tg.Name, "Sora_") || !strings.Contains(tg.Name, ".") {
			t.Errorf("%s has no API version", tg.Name)
		}
		if tg.Action != "" {
			actions++
			if sora.ActionName(tg.Name) != tg.Action || !sora.IsMetadata(tg.Name) {
				t.Errorf("%s: ActionName %q, IsMetadata %v", tg.Name, sora.ActionName(tg.Name), sora.IsMetadata(tg.Name))
			}
		}
		if tg.Write {
			writes++
		}
		if sora.IsWrite(tg.Name) != tg.Write {
			t.Errorf("IsWrite(%s) = %v", tg.Name, !tg.Write)
		}
	}
	if actions != 6 || writes != 4 {
		t.Errorf("%d metadata actions and %d writes, want 6 and 4", actions, writes)
	}
	if sora.IsMetadata("PutSignalingNotifyMetadataItem") || sora.ActionName("ListChannels") != "ListChannels" {
		t.Error("short names count as metadata targets")
	}
}
