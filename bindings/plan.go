package bindings

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	lua "github.com/yuin/gopher-lua"
)

// overlay is a dry run's view of the metadata it changed: per channel and
// connection, the metadata first seen on the server and the metadata as the
// script's writes left it. Values are canonical JSON (EncodeJSON output:
// compact, keys sorted), so equal values have equal bytes.
type overlay struct {
	mu sync.Mutex
	m  map[connKey]*overlayEntry
}

// connKey names a connection.
type connKey struct{ channelID, connectionID string }

// overlayEntry is one connection's metadata in the overlay.
type overlayEntry struct {
	orig, cur map[string][]byte
	push      bool // a write asked for push
}

func newOverlay() *overlay { return &overlay{m: map[connKey]*overlayEntry{}} }

// entry returns the overlay of a connection, nil when it has no write.
func (o *overlay) entry(channelID, connectionID string) *overlayEntry {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.m[connKey{channelID, connectionID}]
}

// seed adds a connection with its server metadata (canonical JSON object),
// or returns its entry when it already has one.
func (o *overlay) seed(channelID, connectionID string, canon []byte) (*overlayEntry, error) {
	orig, err := splitObject(canon)
	if err != nil {
		return nil, err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	k := connKey{channelID, connectionID}
	if e := o.m[k]; e != nil {
		return e, nil
	}
	e := &overlayEntry{orig: orig, cur: maps.Clone(orig)}
	o.m[k] = e
	return e, nil
}

// apply performs the write r on e.
func (o *overlay) apply(e *overlayEntry, r *soraRequest) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	switch r.action {
	case actPut:
		md, err := splitObject(r.value)
		if err != nil {
			return err
		}
		e.cur = md
	case actDelete:
		e.cur = map[string][]byte{}
	case actPutItem:
		e.cur[r.key] = r.value
	case actDeleteItem:
		delete(e.cur, r.key)
	}
	e.push = e.push || r.push
	return nil
}

// toLua returns e's current metadata as a Lua table.
func (o *overlay) toLua(L *lua.LState, e *overlayEntry) (lua.LValue, error) {
	o.mu.Lock()
	b := joinObject(e.cur)
	o.mu.Unlock()
	return DecodeJSON(L, b)
}

// applyList replaces, in a decoded List reply, the metadata of connections
// the overlay has.
func (o *overlay) applyList(L *lua.LState, channelID string, list lua.LValue) error {
	t, ok := list.(*lua.LTable)
	if !ok {
		return nil
	}
	n := t.Len()
	for i := 1; i <= n; i++ {
		c, ok := t.RawGetInt(i).(*lua.LTable)
		if !ok {
			continue
		}
		id, _ := c.RawGetString("connection_id").(lua.LString)
		if e := o.entry(channelID, string(id)); e != nil {
			md, err := o.toLua(L, e)
			if err != nil {
				return err
			}
			c.RawSetString("metadata", md)
		}
	}
	return nil
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

// joinObject writes members as a JSON object, keys sorted.
func joinObject(m map[string][]byte) []byte {
	keys := slices.Sorted(maps.Keys(m))
	b := make([]byte, 0, 64)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b, _ = appendJSONString(b, k) // keys came from JSON: valid UTF-8
		b = append(b, ':')
		b = append(b, m[k]...)
	}
	return append(b, '}')
}

// plan compares every written connection's first-seen metadata with its
// final state.
func (o *overlay) plan() *Plan {
	o.mu.Lock()
	defer o.mu.Unlock()
	p := &Plan{Changes: make([]PlanChange, 0, len(o.m))}
	for k, e := range o.m {
		c := PlanChange{ChannelID: k.channelID, ConnectionID: k.connectionID, Push: e.push}
		for key, old := range e.orig {
			cur, ok := e.cur[key]
			switch {
			case !ok:
				if c.Removed == nil {
					c.Removed = map[string]any{}
				}
				c.Removed[key] = decodeValue(old)
			case !bytes.Equal(old, cur):
				if c.Changed == nil {
					c.Changed = map[string][2]any{}
				}
				c.Changed[key] = [2]any{decodeValue(old), decodeValue(cur)}
			}
		}
		for key, cur := range e.cur {
			if _, ok := e.orig[key]; !ok {
				if c.Added == nil {
					c.Added = map[string]any{}
				}
				c.Added[key] = decodeValue(cur)
			}
		}
		p.Changes = append(p.Changes, c)
	}
	slices.SortFunc(p.Changes, func(a, b PlanChange) int {
		return cmp.Or(strings.Compare(a.ChannelID, b.ChannelID), strings.Compare(a.ConnectionID, b.ConnectionID))
	})
	return p
}

// decodeValue decodes canonical JSON into a Go JSON value (json.Number for
// numbers).
func decodeValue(b []byte) any {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return json.RawMessage(b)
	}
	return v
}

// Text renders the plan for people, one line per connection:
//
//	sora/0FQE5EA5YN3FS13P01QZ1JG8R0  + status = "away"  ~ seat: 3 -> 4  - stale  (push)
//
// "+" is a key added, "~" a key changed (old -> new), "-" a key removed;
// "(push)" marks a connection whose writes would have pushed, and "(no net
// change)" one that was written back to what it was. An empty plan is
// "no changes".
func (p *Plan) Text() string {
	if p == nil || len(p.Changes) == 0 {
		return "no changes\n"
	}
	var b strings.Builder
	for _, c := range p.Changes {
		fmt.Fprintf(&b, "%s/%s", c.ChannelID, c.ConnectionID)
		for _, k := range slices.Sorted(maps.Keys(c.Added)) {
			fmt.Fprintf(&b, "  + %s = %s", k, textValue(c.Added[k]))
		}
		for _, k := range slices.Sorted(maps.Keys(c.Changed)) {
			fmt.Fprintf(&b, "  ~ %s: %s -> %s", k, textValue(c.Changed[k][0]), textValue(c.Changed[k][1]))
		}
		for _, k := range slices.Sorted(maps.Keys(c.Removed)) {
			fmt.Fprintf(&b, "  - %s", k)
		}
		if len(c.Added)+len(c.Changed)+len(c.Removed) == 0 {
			b.WriteString("  (no net change)")
		}
		if c.Push {
			b.WriteString("  (push)")
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// textValue renders a value as compact JSON without HTML escaping.
func textValue(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	return strings.TrimSuffix(b.String(), "\n")
}
