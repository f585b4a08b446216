package json

import (
	"bytes"

	lua "github.com/yuin/gopher-lua"

	"github.com/soracron/soracron/bindings/internal/tableindex"
	"github.com/soracron/soracron/bindings/json/internal/syntax"
)

// Indexer is a Filler that answers a read of a field itself, filling the
// table only when it must (see NewLazyMetatable).
type Indexer interface {
	Filler
	// Index returns t[k] for t not filled yet, as the filled t would hold
	// it. It fills t first only when the value must be one Lua value
	// shared by every read (a table, a json.number); a string, a
	// boolean, null, a plain number or an absent field leave t unfilled.
	Index(t *lua.LTable, k lua.LValue) lua.LValue
}

// Objects are JSON objects kept as their text and given to Lua as lazy
// tables (see NewLazyMetatable): a List reply of 100,000 connections is
// about 15 MB of text, where decoding each connection into a gopher-lua
// table (whose every string key also costs a map entry, a key slice entry
// and an index entry) takes over a kilobyte each. Reading a field whose
// value is a string, number, boolean or null decodes that value alone,
// each time, and leaves the table unfilled: the loop
//
//	for _, c in ipairs(sora.list(ch)) do ids[#ids + 1] = c.connection_id end
//
// builds no connection table. Reading a field whose value is an object or
// array (c.metadata), assigning a field, pairs, and every walk of the json
// module fill the table once, as Decode would have built it (its metatable
// then the json object marker), so that the same table is seen and its
// changes kept. Until filled, rawget and next see an empty table and
// getmetatable returns "lazy".
//
// The texts are copied into chunks (tableindex), which hold no pointers
// for the garbage collector to scan, and found from their table by its
// place in the order added, so that a walk in that order needs no map; a
// text is kept until every table of the Objects is unreachable.
type Objects struct {
	L    *lua.LState
	st   *jsonState
	mt   *lua.LTable      // made by the first Add
	text tableindex.Index // the tables not filled yet, in the order added, with their objects' texts
	buf  []byte           // scratch of AddMembers
}

// NewObjects returns an empty set of lazy objects of L.
func NewObjects(L *lua.LState) *Objects {
	return &Objects{L: L, st: jsonStateOf(L)}
}

// Add returns a lazy table of the JSON object obj, nested depth deep in
// the document it is part of (1 for an element of a top-level array), or
// the value Decode builds of it, with its error, when obj is not an object
// Decode accepts at that depth. obj is copied: the caller may reuse it.
func (o *Objects) Add(obj []byte, depth int) (lua.LValue, error) {
	d := jsonScanner{L: o.L, st: o.st}
	return o.add(&d, obj, depth)
}

// add is Add with the scanner (whose path names the place in errors) of
// the document obj is part of.
func (o *Objects) add(d *jsonScanner, obj []byte, depth int) (lua.LValue, error) {
	if !lazyObject(obj, depth) {
		return d.element(obj, depth)
	}
	return o.insert(obj), nil
}

// lazyObject reports whether obj, nested depth deep, is an object that
// Decode accepts, to be kept as its text; anything else is decoded at once
// (with its error, if any).
func lazyObject(obj []byte, depth int) bool {
	return len(obj) > 0 && obj[0] == '{' && syntax.ValidDepth(obj, MaxDepth-depth)
}

// insert returns a lazy table of obj, an object Decode accepts.
func (o *Objects) insert(obj []byte) *lua.LTable {
	if o.mt == nil {
		o.mt = NewLazyMetatable(o.L, o)
	}
	// Sized for a few fields: a Go map of at most 8 is only its header
	// until the first field is set, where a table made without a size
	// would get a map of 32 at its first field.
	t := o.L.CreateTable(0, 8)
	t.Metatable = o.mt
	o.text.Add(t, obj)
	return t
}

// AddMembers is Add keeping only the members keys of obj (sora.list's
// fields): the table's text is an object of those members alone, so that
// the ids of a big channel cost little more than the ids. Anything but an
// object Decode accepts is decoded as Add does, whole.
func (o *Objects) AddMembers(obj []byte, depth int, keys []string) (lua.LValue, error) {
	d := jsonScanner{L: o.L, st: o.st}
	if !lazyObject(obj, depth) {
		return d.element(obj, depth)
	}
	o.buf = append(o.buf[:0], '{')
	d.data, d.pos = obj, 1
	d.rawMembers(keys, func(match bool, start, _, end int) {
		if match {
			if len(o.buf) > 1 {
				o.buf = append(o.buf, ',')
			}
			o.buf = append(o.buf, obj[start:end]...)
		}
	})
	o.buf = append(o.buf, '}')
	return o.insert(o.buf), nil // members of a checked object
}

// Len is the number of tables of o not filled yet.
func (o *Objects) Len() int { return o.text.Len() }

// Fill builds the fields of t (a table of o) from its object, keeping any
// field set raw before, and gives it the json object marker as metatable.
func (o *Objects) Fill(t *lua.LTable) {
	if text, ok := o.text.Get(t); ok {
		o.fill(t, text)
	}
}

// fill is Fill of t, whose object is text.
func (o *Objects) fill(t *lua.LTable, text []byte) {
	o.text.Remove(t)
	if k, _ := t.Next(lua.LNil); k != lua.LNil { // fields set raw before: they win
		t.Metatable = lua.LNil
		v, _ := Decode(o.L, text) // Add checked it decodes
		if obj, ok := v.(*lua.LTable); ok {
			obj.ForEach(func(k, v lua.LValue) {
				if t.RawGet(k) == lua.LNil {
					t.RawSet(k, v)
				}
			})
		}
		t.Metatable = o.st.object
		return
	}
	d := jsonScanner{L: o.L, st: o.st, data: text, pos: 1}
	_ = d.members(1, func(key string, v lua.LValue) { t.RawSetString(key, v) }) // Add checked it decodes
	t.Metatable = o.st.object
}

// Index implements Indexer: the value of a string, boolean, null or plain
// number is decoded from the text at each read.
func (o *Objects) Index(t *lua.LTable, k lua.LValue) lua.LValue {
	text, ok := o.text.Get(t)
	if !ok {
		return t.RawGet(k) // filled already
	}
	key, ok := k.(lua.LString)
	if !ok {
		return lua.LNil // an object's keys are strings
	}
	d := jsonScanner{L: o.L, st: o.st, data: text, pos: 1}
	at := d.find(string(key))
	if at < 0 {
		return lua.LNil
	}
	if c := text[at]; c != '{' && c != '[' {
		d.pos = at
		v, err := d.value(1)
		if ud, isUD := v.(*lua.LUserData); err == nil && (!isUD || ud == o.st.null) {
			return v
		} // a json.number: a new userdata at every read would not compare equal
	}
	o.fill(t, text)
	return t.RawGet(k)
}

// members calls fn with each member of the (valid) object whose '{' is
// just before d.pos, decoded, in document order, and moves past its '}';
// depth is the nesting of the object. An error names the member.
func (d *jsonScanner) members(depth int, fn func(key string, v lua.LValue)) error {
	d.skipSpace()
	if d.data[d.pos] == '}' {
		d.pos++
		return nil
	}
	for {
		d.skipSpace()
		key := d.string()
		d.skipSpace()
		d.pos++ // ':'
		d.path.pushKey(key)
		v, err := d.value(depth)
		if err != nil {
			return err
		}
		d.path.pop()
		fn(key, v)
		d.skipSpace()
		c := d.data[d.pos] // ',' or '}'
		d.pos++
		if c == '}' {
			return nil
		}
	}
}

// keyIn reads the key at d.pos (at its opening quote) and reports whether
// it is one of keys. A key without escapes is compared in place, with no
// string built.
func (d *jsonScanner) keyIn(keys ...string) bool {
	if end := bytes.IndexByte(d.data[d.pos+1:], '"'); end >= 0 {
		if raw := d.data[d.pos+1 : d.pos+1+end]; bytes.IndexByte(raw, '\\') < 0 {
			d.pos += end + 2
			for _, k := range keys {
				if string(raw) == k {
					return true
				}
			}
			return false
		}
	}
	s := d.string()
	for _, k := range keys {
		if s == k {
			return true
		}
	}
	return false
}

// rawMembers calls fn for each member of the (valid) object whose '{' is
// just before d.pos, in document order, with whether its key is one of
// keys, where the member starts (its key's quote) and where its value
// starts and ends, and moves past the '}'. Nothing is decoded.
func (d *jsonScanner) rawMembers(keys []string, fn func(match bool, start, value, end int)) {
	d.skipSpace()
	if d.data[d.pos] == '}' {
		d.pos++
		return
	}
	for {
		d.skipSpace()
		start := d.pos
		match := d.keyIn(keys...)
		d.skipSpace()
		d.pos++ // ':'
		d.skipSpace()
		value := d.pos
		d.skipValue(1)
		fn(match, start, value, d.pos)
		d.skipSpace()
		c := d.data[d.pos] // ',' or '}'
		d.pos++
		if c == '}' {
			return
		}
	}
}

// find returns where the value of the last member named key starts in the
// (valid) object whose '{' is just before d.pos, or -1.
func (d *jsonScanner) find(key string) int {
	at := -1
	d.rawMembers([]string{key}, func(match bool, _, value, _ int) {
		if match {
			at = value
		}
	})
	return at
}
