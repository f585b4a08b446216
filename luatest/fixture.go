package luatest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	lua "github.com/yuin/gopher-lua"

	luajson "github.com/soracron/soracron/bindings/json"
	"github.com/soracron/soracron/emulator"
)

// fixture is the emulator state a test starts from: connections built from
// a Lua table, or a fixture file in the emulator's YAML format.
type fixture struct {
	conns []emulator.Connection
	yaml  []byte
	path  string // of the YAML file, for errors
}

// apply adds the fixture's connections to e; a nil fixture adds none.
func (f *fixture) apply(e *emulator.Emulator) error {
	if f == nil {
		return nil
	}
	if f.yaml != nil {
		if err := e.LoadFixtureYAML(f.yaml); err != nil {
			return fmt.Errorf("%s: %w", f.path, err)
		}
		return nil
	}
	for _, c := range f.conns {
		if _, err := e.AddConnection(c); err != nil {
			return fmt.Errorf("fixture: %w", err)
		}
	}
	return nil
}

// check applies the fixture to a scratch emulator, so that a bad fixture
// fails at t.fixture rather than in every test.
func (f *fixture) check() error {
	return f.apply(emulator.New(emulator.Options{AnyConnectionID: true}))
}

// connFields are the keys a connection of a fixture table may have.
var connFields = []string{"connection_id", "client_id", "bundle_id", "role", "metadata"}

// fixtureFromFile reads a YAML fixture file; a relative path is relative to
// dir (the test file's directory).
func fixtureFromFile(dir, path string) (*fixture, error) {
	if !filepath.IsAbs(path) {
		path = filepath.Join(dir, path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	f := &fixture{yaml: data, path: path}
	return f, f.check()
}

// fixtureFromTable builds a fixture from a table of channel ids to lists of
// connections: {sora = {{connection_id = ..., metadata = {...}}, ...}}.
func fixtureFromTable(tbl *lua.LTable) (*fixture, error) {
	v, err := luajson.FromLuaPath(tbl, "fixture")
	if err != nil {
		return nil, err
	}
	channels, ok := v.(map[string]any)
	if !ok {
		return nil, errors.New("want a table of channel ids to lists of connections, got a list")
	}
	names := make([]string, 0, len(channels))
	for ch := range channels {
		names = append(names, ch)
	}
	slices.Sort(names)
	f := &fixture{}
	for _, ch := range names {
		var list []any
		switch cv := channels[ch].(type) {
		case []any:
			list = cv
		case map[string]any:
			if len(cv) > 0 {
				return nil, fmt.Errorf("channel %q: want a list of connections, got a table with keys", ch)
			}
		default:
			return nil, fmt.Errorf("channel %q: want a list of connections, got %s", ch, goTypeName(cv))
		}
		for i, item := range list {
			c, err := fixtureConn(ch, i+1, item)
			if err != nil {
				return nil, err
			}
			f.conns = append(f.conns, c)
		}
	}
	return f, f.check()
}

// fixtureConn converts the i-th connection (1-based) of channel ch.
func fixtureConn(ch string, i int, item any) (emulator.Connection, error) {
	c := emulator.Connection{ChannelID: ch}
	where := fmt.Sprintf("channel %q connection %d", ch, i)
	m, ok := item.(map[string]any)
	if !ok {
		return c, fmt.Errorf("%s: want a table, got %s", where, goTypeName(item))
	}
	for k, v := range m {
		if !slices.Contains(connFields, k) {
			return c, fmt.Errorf("%s: unknown key %q (want %s)", where, k, strings.Join(connFields, ", "))
		}
		if k == "metadata" {
			md, ok := v.(map[string]any)
			if !ok {
				return c, fmt.Errorf("%s: metadata must be a table with string keys, got %s", where, goTypeName(v))
			}
			c.Metadata = md
			continue
		}
		s, ok := v.(string)
		if !ok {
			return c, fmt.Errorf("%s: %s must be a string, got %s", where, k, goTypeName(v))
		}
		switch k {
		case "connection_id":
			c.ConnectionID = s
		case "client_id":
			c.ClientID = s
		case "bundle_id":
			c.BundleID = s
		case "role":
			c.Role = s
		}
	}
	return c, nil
}

// goTypeName names the JSON type of a Go JSON value for messages.
func goTypeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case map[string]any:
		return "a table with keys"
	case []any:
		return "a list"
	}
	return "a number"
}

// crockfordID is the alphabet of connection ids.
const crockfordID = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// labelID is t.id(label): a valid connection id made readable from a short
// label: upper-cased, I and L read as 1, O as 0 and U as V (Crockford's
// decoding rules), left-padded with zeros to 26 characters.
func labelID(label string) (string, error) {
	if label == "" || len(label) > 26 {
		return "", fmt.Errorf("label %q: want 1 to 26 letters and digits", label)
	}
	b := make([]byte, len(label))
	for i := 0; i < len(label); i++ {
		c := label[i]
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		switch c {
		case 'I', 'L':
			c = '1'
		case 'O':
			c = '0'
		case 'U':
			c = 'V'
		}
		if strings.IndexByte(crockfordID, c) < 0 {
			return "", fmt.Errorf("label %q: want letters and digits only", label)
		}
		b[i] = c
	}
	return strings.Repeat("0", 26-len(b)) + string(b), nil
}
