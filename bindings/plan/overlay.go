package plan

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sync"

	"github.com/soracron/soracron/sora"
)

// Overlay is a dry run's view of the metadata it changed: per channel and
// connection, the metadata first seen on the server and the metadata as the
// script's writes left it. Values are canonical JSON (compact, keys sorted,
// as the json module encodes), so equal values have equal bytes. It is safe
// for concurrent use.
type Overlay struct {
	mu sync.Mutex
	m  map[ConnKey]*Entry
}

// ConnKey names a connection.
type ConnKey struct{ ChannelID, ConnectionID string }

// Entry is one connection's metadata in the overlay.
type Entry struct {
	orig, cur map[string][]byte
	push      bool // a write asked for push
}

// NewOverlay returns an empty overlay.
func NewOverlay() *Overlay { return &Overlay{m: map[ConnKey]*Entry{}} }

// Entry returns the overlay of a connection, nil when it has no write.
func (o *Overlay) Entry(channelID, connectionID string) *Entry {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.m[ConnKey{channelID, connectionID}]
}

// Seed adds a connection with its server metadata (canonical JSON object),
// or returns its entry when it already has one.
func (o *Overlay) Seed(channelID, connectionID string, canon []byte) (*Entry, error) {
	orig, err := splitObject(canon)
	if err != nil {
		return nil, err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	k := ConnKey{channelID, connectionID}
	if e := o.m[k]; e != nil {
		return e, nil
	}
	e := &Entry{orig: orig, cur: maps.Clone(orig)}
	o.m[k] = e
	return e, nil
}

// Apply performs the write r (a metadata write) on e.
func (o *Overlay) Apply(e *Entry, r *Request) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	switch r.Target {
	case sora.TargetPut:
		md, err := splitObject(r.Value)
		if err != nil {
			return err
		}
		e.cur = md
	case sora.TargetDelete:
		e.cur = map[string][]byte{}
	case sora.TargetPutItem:
		e.cur[r.Key] = r.Value
	case sora.TargetDeleteItem:
		delete(e.cur, r.Key)
	}
	e.push = e.push || r.Push
	return nil
}

// Current returns e's current metadata as a JSON object, keys sorted.
func (o *Overlay) Current(e *Entry) []byte {
	o.mu.Lock()
	defer o.mu.Unlock()
	return JoinObject(e.cur)
}

// splitObject splits a JSON object into its members' raw values.
func splitObject(obj []byte) (map[string][]byte, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(obj, &raw); err != nil {
		return nil, fmt.Errorf("metadata: %w", err)
	}
	m := make(map[string][]byte, len(raw))
	for k, v := range raw {
		m[k] = v
	}
	return m, nil
}

// JoinObject writes members (JSON texts, keys valid UTF-8) as a JSON
// object, keys sorted.
func JoinObject(m map[string][]byte) []byte {
	keys := slices.Sorted(maps.Keys(m))
	b := make([]byte, 0, 64)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b, _ = sora.AppendString(b, k)
		b = append(b, ':')
		b = append(b, m[k]...)
	}
	return append(b, '}')
}
