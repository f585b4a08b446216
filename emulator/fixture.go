package emulator

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"os"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// A fixture file lists channels and their connections:
//
//	channels:
//	  sora:
//	    - connection_id: 0FQE5EA5YN3FS13P01QZ1JG8R0   # optional, generated when absent
//	      client_id: alice                           # optional, defaults to the connection id
//	      bundle_id: alice-bundle                    # optional, defaults to the connection id
//	      role: sendonly                             # optional, sendrecv by default
//	      metadata: {status: busy, seat: 10}         # optional
//	    - {}                                         # a connection with every default
//
// Unknown keys are errors naming their line. Metadata integers are exact
// (any size), floats keep their text when it is valid JSON.

// maxYAMLDepth bounds nesting (and alias expansion) of fixture metadata.
const maxYAMLDepth = 64

// LoadFixture reads a fixture file and adds its connections.
func (e *Emulator) LoadFixture(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("fixture: %w", err)
	}
	if err := e.loadFixture(data); err != nil {
		return fmt.Errorf("fixture %s: %w", path, err)
	}
	return nil
}

// LoadFixtureYAML adds the connections of a fixture given as YAML. The
// whole fixture is checked before anything is added; a connection id that
// is already connected fails its channel and the channels after it.
func (e *Emulator) LoadFixtureYAML(data []byte) error {
	if err := e.loadFixture(data); err != nil {
		return fmt.Errorf("fixture: %w", err)
	}
	return nil
}

func (e *Emulator) loadFixture(data []byte) error {
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return errors.New("empty document: want a mapping with key channels")
		}
		return err
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		if err != nil {
			return err
		}
		return fmt.Errorf("line %d: more than one YAML document", extra.Line)
	}
	if len(doc.Content) == 0 {
		return errors.New("empty document: want a mapping with key channels")
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: want a mapping with key channels, got %s", root.Line, kindName(root))
	}
	type batch struct {
		channel string
		conns   []*conn
	}
	var batches []batch
	for i := 0; i < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if k.Value != "channels" {
			return fmt.Errorf("line %d: unknown key %q (want channels)", k.Line, k.Value)
		}
		if v.Kind != yaml.MappingNode {
			return fmt.Errorf("line %d: channels: want a mapping of channel id to a list of connections, got %s", v.Line, kindName(v))
		}
		seen := map[string]bool{}
		for j := 0; j < len(v.Content); j += 2 {
			ck, cv := v.Content[j], v.Content[j+1]
			if ck.Kind != yaml.ScalarNode || ck.Value == "" {
				return fmt.Errorf("line %d: a channel id must be a non-empty string", ck.Line)
			}
			if seen[ck.Value] {
				return fmt.Errorf("line %d: channel %q listed twice", ck.Line, ck.Value)
			}
			seen[ck.Value] = true
			conns, err := e.fixtureChannel(ck.Value, cv)
			if err != nil {
				return err
			}
			batches = append(batches, batch{ck.Value, conns})
		}
	}
	for _, b := range batches {
		if len(b.conns) == 0 {
			continue
		}
		if err := e.addConns(b.channel, b.conns); err != nil {
			return err
		}
	}
	return nil
}

// fixtureChannel builds the connections of one channel.
func (e *Emulator) fixtureChannel(channelID string, n *yaml.Node) ([]*conn, error) {
	if n.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("line %d: channel %q: want a list of connections, got %s", n.Line, channelID, kindName(n))
	}
	ids := map[string]int{}
	conns := make([]*conn, 0, len(n.Content))
	for _, item := range n.Content {
		c, err := fixtureConnection(channelID, item)
		if err != nil {
			return nil, err
		}
		if c.ConnectionID != "" {
			if line, dup := ids[c.ConnectionID]; dup {
				return nil, fmt.Errorf("line %d: channel %q: connection_id %s already listed on line %d", item.Line, channelID, c.ConnectionID, line)
			}
			ids[c.ConnectionID] = item.Line
		}
		nc, err := e.newConn(c)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", item.Line, err)
		}
		conns = append(conns, nc)
	}
	return conns, nil
}

func fixtureConnection(channelID string, n *yaml.Node) (Connection, error) {
	c := Connection{ChannelID: channelID}
	if n.Kind != yaml.MappingNode {
		return c, fmt.Errorf("line %d: channel %q: a connection must be a mapping, got %s", n.Line, channelID, kindName(n))
	}
	seen := map[string]bool{}
	for i := 0; i < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if seen[k.Value] {
			return c, fmt.Errorf("line %d: key %q repeated in a connection", k.Line, k.Value)
		}
		seen[k.Value] = true
		var dst *string
		switch k.Value {
		case "connection_id":
			dst = &c.ConnectionID
		case "client_id":
			dst = &c.ClientID
		case "bundle_id":
			dst = &c.BundleID
		case "role":
			dst = &c.Role
		case "metadata":
			if v.ShortTag() == "!!null" {
				continue
			}
			if v.Kind != yaml.MappingNode {
				return c, fmt.Errorf("line %d: metadata must be a mapping, got %s", v.Line, kindName(v))
			}
			md, err := yamlToJSON(v, "metadata", 0)
			if err != nil {
				return c, err
			}
			c.Metadata = md.(map[string]any)
			continue
		default:
			return c, fmt.Errorf("line %d: unknown key %q in a connection (want connection_id, client_id, bundle_id, role, metadata)", k.Line, k.Value)
		}
		if v.Kind != yaml.ScalarNode || v.ShortTag() == "!!null" {
			return c, fmt.Errorf("line %d: %s must be a string, got %s", v.Line, k.Value, kindName(v))
		}
		*dst = v.Value
	}
	return c, nil
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	case yaml.ScalarNode:
		if n.ShortTag() == "!!null" {
			return "null"
		}
		return fmt.Sprintf("the scalar %q", n.Value)
	}
	return "nothing"
}

// yamlToJSON converts a YAML node into a Go JSON value: map[string]any,
// []any, json.Number (exact), string, bool or nil. path names the value in
// errors.
func yamlToJSON(n *yaml.Node, path string, depth int) (any, error) {
	if depth > maxYAMLDepth {
		return nil, fmt.Errorf("line %d: %s: nested deeper than %d levels", n.Line, path, maxYAMLDepth)
	}
	switch n.Kind {
	case yaml.AliasNode:
		return yamlToJSON(n.Alias, path, depth+1)
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		lines := map[string]int{}
		for i := 0; i < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind != yaml.ScalarNode || k.ShortTag() == "!!merge" {
				return nil, fmt.Errorf("line %d: %s: keys must be plain scalars", k.Line, path)
			}
			if l, dup := lines[k.Value]; dup {
				return nil, fmt.Errorf("line %d: %s: key %q repeats line %d", k.Line, path, k.Value, l)
			}
			lines[k.Value] = k.Line
			val, err := yamlToJSON(v, path+"."+k.Value, depth+1)
			if err != nil {
				return nil, err
			}
			m[k.Value] = val
		}
		return m, nil
	case yaml.SequenceNode:
		a := make([]any, 0, len(n.Content))
		for i, item := range n.Content {
			val, err := yamlToJSON(item, fmt.Sprintf("%s[%d]", path, i), depth+1)
			if err != nil {
				return nil, err
			}
			a = append(a, val)
		}
		return a, nil
	case yaml.ScalarNode:
		return yamlScalar(n, path)
	}
	return nil, fmt.Errorf("line %d: %s: unexpected YAML node", n.Line, path)
}

func yamlScalar(n *yaml.Node, path string) (any, error) {
	switch n.ShortTag() {
	case "!!null":
		return nil, nil
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			return nil, fmt.Errorf("line %d: %s: %w", n.Line, path, err)
		}
		return b, nil
	case "!!str", "!!timestamp":
		return n.Value, nil
	case "!!int":
		return yamlInt(n, path)
	case "!!float":
		if isJSONNumber(n.Value) {
			return json.Number(n.Value), nil
		}
		var f float64
		if err := n.Decode(&f); err != nil {
			return nil, fmt.Errorf("line %d: %s: %w", n.Line, path, err)
		}
		if math.IsInf(f, 0) || math.IsNaN(f) {
			return nil, fmt.Errorf("line %d: %s: %s has no JSON representation", n.Line, path, n.Value)
		}
		return json.Number(strconv.FormatFloat(f, 'g', -1, 64)), nil
	}
	return nil, fmt.Errorf("line %d: %s: unsupported YAML tag %s", n.Line, path, n.ShortTag())
}

// yamlInt converts an integer scalar exactly, whatever its size or base.
func yamlInt(n *yaml.Node, path string) (any, error) {
	if isJSONNumber(n.Value) {
		return json.Number(n.Value), nil
	}
	var i int64
	if n.Decode(&i) == nil {
		return json.Number(strconv.FormatInt(i, 10)), nil
	}
	var u uint64
	if n.Decode(&u) == nil {
		return json.Number(strconv.FormatUint(u, 10)), nil
	}
	b, ok := new(big.Int).SetString(strings.ReplaceAll(n.Value, "_", ""), 0)
	if !ok {
		return nil, fmt.Errorf("line %d: %s: cannot read integer %q", n.Line, path, n.Value)
	}
	return json.Number(b.String()), nil
}

// isJSONNumber reports whether s is a number in JSON syntax.
func isJSONNumber(s string) bool {
	if s == "" || (s[0] != '-' && (s[0] < '0' || s[0] > '9')) {
		return false
	}
	var v any
	return json.Unmarshal([]byte(s), &v) == nil
}
