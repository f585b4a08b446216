package plan

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Plan is what a dry run would have written, grouped by channel and connection.
type Plan struct {
	Changes []Change `json:"changes"`
}

// Change is the planned change of one connection's metadata.
type Change struct {
	ChannelID    string            `json:"channel_id"`
	ConnectionID string            `json:"connection_id"`
	Added        map[string]any    `json:"added,omitempty"`
	Changed      map[string][2]any `json:"changed,omitempty"` // key -> [old, new]
	Removed      map[string]any    `json:"removed,omitempty"` // key -> old value
	Push         bool              `json:"push"`
}

// Plan compares every written connection's first-seen metadata with its
// final state.
func (o *Overlay) Plan() *Plan {
	o.mu.Lock()
	defer o.mu.Unlock()
	p := &Plan{Changes: make([]Change, 0, len(o.m))}
	for k, e := range o.m {
		c := Change{ChannelID: k.ChannelID, ConnectionID: k.ConnectionID, Push: e.push}
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
	slices.SortFunc(p.Changes, func(a, b Change) int {
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
