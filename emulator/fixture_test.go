package emulator

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestLoadFixture(t *testing.T) {
	const fixture = `# two channels
channels:
  sora:
    - connection_id: 0FQE5EA5YN3FS13P01QZ1JG8R0
      client_id: alice
      bundle_id: "007"
      role: sendonly
      metadata:
        status: busy
        seat: 10
        huge: 123456789012345678901234567890
        hex: 0x1F
        ratio: 1.50
        exp: 1e3
        neg: -7
        none: null
        flag: true
        quoted: "10"
        list: [1, two, {three: 3}]
        anchor: &a {x: 1}
        again: *a
    - {}
    - metadata: {}
  empty: []
  other:
    - connection_id: V3Q452QQBD5TQ6ZQDMTEDKA07C
`
	e := New(Options{Seed: 1})
	if err := e.LoadFixtureYAML([]byte(fixture)); err != nil {
		t.Fatal(err)
	}
	got := e.Channels()
	if want := []ChannelInfo{{"other", 1}, {"sora", 3}}; !reflect.DeepEqual(got, want) {
		t.Errorf("channels %v, want %v", got, want)
	}
	c := e.Connections("sora")[0]
	if c.ConnectionID != connA || c.ClientID != "alice" || c.BundleID != "007" || c.Role != "sendonly" {
		t.Errorf("connection %+v", c)
	}
	wantMD := map[string]any{
		"status": "busy", "seat": json.Number("10"), "huge": json.Number("123456789012345678901234567890"),
		"hex": json.Number("31"), "ratio": json.Number("1.50"), "exp": json.Number("1e3"), "neg": json.Number("-7"),
		"none": nil, "flag": true, "quoted": "10",
		"list":   []any{json.Number("1"), "two", map[string]any{"three": json.Number("3")}},
		"anchor": map[string]any{"x": json.Number("1")}, "again": map[string]any{"x": json.Number("1")},
	}
	if !reflect.DeepEqual(c.Metadata, wantMD) {
		t.Errorf("metadata\n got: %#v\nwant: %#v", c.Metadata, wantMD)
	}
	for _, c := range e.Connections("sora")[1:] {
		if !ValidID(c.ConnectionID) || c.ClientID != c.ConnectionID || c.Role != RoleSendRecv || len(c.Metadata) != 0 {
			t.Errorf("defaults: %+v", c)
		}
	}
	t.Run("file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "fixture.yaml")
		if err := os.WriteFile(path, []byte("channels:\n  f:\n    - {}\n    - {}\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := e.LoadFixture(path); err != nil {
			t.Fatal(err)
		}
		if n := len(e.Connections("f")); n != 2 {
			t.Errorf("%d connections in f", n)
		}
		err := e.LoadFixture(filepath.Join(t.TempDir(), "missing.yaml"))
		if err == nil || !strings.HasPrefix(err.Error(), "fixture: ") {
			t.Errorf("missing file: %v", err)
		}
	})
}

func TestLoadFixtureErrors(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"empty", ``, "empty document"},
		{"not a mapping", `- 1`, "line 1: want a mapping"},
		{"unknown top-level key", "channels: {}\nchanels: {}\n", `line 2: unknown key "chanels"`},
		{"channels a list", "channels: [a]\n", "line 1: channels: want a mapping"},
		{"channel not a list", "channels:\n  sora: {a: 1}\n", `line 2: channel "sora": want a list`},
		{"connection not a mapping", "channels:\n  sora:\n    - abc\n", "line 3: channel \"sora\": a connection must be a mapping"},
		{"unknown connection key", "channels:\n  sora:\n    - client_id: a\n      metdata: {}\n", `line 4: unknown key "metdata"`},
		{"repeated connection key", "channels:\n  sora:\n    - role: sendonly\n      role: recvonly\n", `line 4: key "role" repeated`},
		{"bad connection id", "channels:\n  sora:\n    - connection_id: abc\n", "line 3: invalid connection: connection_id \"abc\""},
		{"bad role", "channels:\n  sora:\n    -\n      role: boss\n", `line 4: invalid connection: role "boss"`},
		{"duplicate connection id", "channels:\n  sora:\n    - connection_id: " + connA + "\n    - connection_id: " + connA + "\n", "line 4: channel \"sora\": connection_id " + connA + " already listed on line 3"},
		{"client_id a list", "channels:\n  sora:\n    - client_id: [a]\n", "line 3: client_id must be a string"},
		{"metadata a list", "channels:\n  sora:\n    - metadata: [1]\n", "line 3: metadata must be a mapping"},
		{"metadata infinity", "channels:\n  sora:\n    - metadata:\n        x: .inf\n", "line 4: metadata.x: .inf has no JSON"},
		{"metadata duplicate key", "channels:\n  sora:\n    - metadata:\n        x: 1\n        x: 2\n", `line 5: metadata: key "x" repeats line 4`},
		{"metadata binary", "channels:\n  sora:\n    - metadata:\n        b: !!binary aGk=\n", "line 4: metadata.b: unsupported YAML tag !!binary"},
		{"nested error path", "channels:\n  sora:\n    - metadata:\n        a: [1, {b: .nan}]\n", "line 4: metadata.a[1].b"},
		{"syntax error", "channels:\n  sora: [\n", "yaml: line 2"},
		{"two documents", "channels: {}\n---\nchannels: {}\n", "line 2: more than one YAML document"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := New(Options{})
			err := e.LoadFixtureYAML([]byte(tt.yaml))
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.HasPrefix(err.Error(), "fixture: ") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want it to mention %q", err, tt.want)
			}
			if n := len(e.Connections("")); n != 0 {
				t.Errorf("%d connections added by a bad fixture", n)
			}
		})
	}
	t.Run("connection already connected", func(t *testing.T) {
		e := New(Options{})
		mustAdd(t, e, Connection{ChannelID: "sora", ConnectionID: connA})
		err := e.LoadFixtureYAML([]byte("channels:\n  sora:\n    - connection_id: " + connA + "\n"))
		if err == nil || !strings.Contains(err.Error(), "already exists") {
			t.Errorf("error %v", err)
		}
	})
}
