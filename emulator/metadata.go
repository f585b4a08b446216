package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/soracron/soracron/emulator/internal/jsonscan"
)

// entry is one key of a connection's metadata with its value as compact raw
// JSON (numbers keep their exact text). pre is the encoded `"key":`, so
// encoding the object is a series of copies.
type entry struct {
	key string
	pre []byte
	val []byte
}

func newEntry(key string, val []byte) entry {
	pre := jsonscan.AppendString(make([]byte, 0, len(key)+3), key)
	return entry{key: key, pre: append(pre, ':'), val: val}
}

// mdList is a metadata object: entries sorted by key, unique keys. Replies
// list keys in this order, as Sora (Erlang maps) does for small objects.
type mdList []entry

func compareEntry(e entry, key string) int { return strings.Compare(e.key, key) }

// set adds or overwrites key.
func (m *mdList) set(key string, val []byte) {
	i, found := slices.BinarySearchFunc(*m, key, compareEntry)
	if found {
		(*m)[i].val = val
		return
	}
	*m = slices.Insert(*m, i, newEntry(key, val))
}

// del removes key and reports whether it was present.
func (m *mdList) del(key string) bool {
	i, found := slices.BinarySearchFunc(*m, key, compareEntry)
	if !found {
		return false
	}
	*m = slices.Delete(*m, i, i+1)
	return true
}

// encode returns m as a new JSON object.
func (m mdList) encode() []byte {
	n := 2
	for _, e := range m {
		n += len(e.pre) + len(e.val) + 1
	}
	return m.appendTo(make([]byte, 0, n))
}

func (m mdList) appendTo(dst []byte) []byte {
	dst = append(dst, '{')
	for i, e := range m {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, e.pre...)
		dst = append(dst, e.val...)
	}
	return append(dst, '}')
}

// parseMetadata turns a raw JSON object (validated) into an mdList; when a
// key repeats the last value wins. Values are compacted copies.
func parseMetadata(raw []byte) mdList {
	var m mdList
	jsonscan.ObjectMembers(raw, func(key, val []byte) {
		k, _ := jsonscan.DecodeString(key)
		m = append(m, newEntry(k, jsonscan.CompactCopy(val)))
	})
	// Stable sort keeps duplicates in input order; keep the last of each run.
	slices.SortStableFunc(m, func(a, b entry) int { return strings.Compare(a.key, b.key) })
	out := m[:0]
	for i, e := range m {
		if i+1 < len(m) && m[i+1].key == e.key {
			continue
		}
		out = append(out, e)
	}
	return out
}

// metadataFromGo converts a Go JSON value map into an mdList.
func metadataFromGo(md map[string]any) (mdList, error) {
	m := make(mdList, 0, len(md))
	for k, v := range md {
		raw, err := marshalValue(v)
		if err != nil {
			return nil, fmt.Errorf("metadata key %q: %w", k, err)
		}
		m = append(m, newEntry(k, raw))
	}
	slices.SortFunc(m, func(a, b entry) int { return strings.Compare(a.key, b.key) })
	return m, nil
}

// marshalValue encodes v as compact JSON without HTML escaping.
func marshalValue(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte{'\n'}), nil
}

// decodeObject decodes a JSON object exactly (json.Number, nil, []any,
// map[string]any); a decoding failure yields an empty map.
func decodeObject(raw []byte) map[string]any {
	out := map[string]any{}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil || out == nil {
		return map[string]any{}
	}
	return out
}

// emptyObject returns a new "{}".
func emptyObject() []byte { return []byte{'{', '}'} }
