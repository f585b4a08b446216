// Package tableindex keeps the JSON text to build each of many lazy Lua
// tables from, by their place: the connections of a List, the results of a
// batch. A lazy table's metamethods get the table alone, so they must find
// its text from the table; a Go map from table to text does that for any
// order of use, but costs a hashed insert for every table and a read from
// a random place of a big map at every use, where scripts mostly walk such
// tables in order (ipairs, for i = 1, #t).
//
// An Index therefore keeps the tables in a slice, by place, and remembers
// the place it found last: a lookup tries that place and the next one, and
// only a lookup that misses both builds the map, once, which every later
// miss then uses. A walk in order never builds it. The texts are copied
// into chunks of chunkSize bytes and found by offsets, so that the garbage
// collector has neither a pointer per text to follow nor a small object per
// text to free: 100,000 connections are some 60 chunks.
//
//	var x tableindex.Index
//	x.Put(0, t0, text0)
//	x.Put(1, t1, text1)
//	text, ok := x.Get(t1) // found at the place after the last: no map
//	x.Remove(t1)          // filled: forget its text
package tableindex

import (
	"slices"

	lua "github.com/yuin/gopher-lua"
)

// chunkSize is the size of the chunks an Index copies its texts into.
const chunkSize = 256 << 10

// Index is the set of lazy tables not filled yet, each with its text. The
// zero Index is empty and ready to use.
type Index struct {
	tables []*lua.LTable         // by place; nil where none is kept
	spans  []span                // by place: where its text is
	chunks [][]byte              // the texts, each chunk filled up to its length
	live   int                   // tables kept
	last   int                   // the place found last
	pos    map[*lua.LTable]int32 // every table kept -> its place; built at the first lookup out of order
}

// span is where a text is: chunks[chunk][start:end].
type span struct{ chunk, start, end uint32 }

// Add keeps t with a copy of v at the place after the last one used.
func (x *Index) Add(t *lua.LTable, v []byte) { x.Put(len(x.tables), t, v) }

// Grow makes room for n more places without growing again.
func (x *Index) Grow(n int) {
	x.tables = slices.Grow(x.tables, n)
	x.spans = slices.Grow(x.spans, n)
}

// Put keeps t with a copy of v at place i (from 0), where no table is kept
// yet; the places before i that were never used stay empty.
func (x *Index) Put(i int, t *lua.LTable, v []byte) {
	if n := i + 1 - len(x.tables); n > 0 {
		x.tables = append(x.tables, make([]*lua.LTable, n)...)
		x.spans = append(x.spans, make([]span, n)...)
	}
	k := len(x.chunks) - 1
	if k < 0 || len(v) > cap(x.chunks[k])-len(x.chunks[k]) {
		x.chunks = append(x.chunks, make([]byte, 0, max(chunkSize, len(v))))
		k++
	}
	start := len(x.chunks[k])
	x.chunks[k] = append(x.chunks[k], v...)
	x.tables[i], x.spans[i] = t, span{uint32(k), uint32(start), uint32(len(x.chunks[k]))}
	x.live++
	if x.pos != nil {
		x.pos[t] = int32(i)
	}
}

// Len is the number of tables kept.
func (x *Index) Len() int { return x.live }

// Get returns the text kept for t and whether t is kept. The text must not
// be changed; it stays valid after t is removed.
func (x *Index) Get(t *lua.LTable) ([]byte, bool) {
	i := x.find(t)
	if i < 0 {
		return nil, false
	}
	return x.text(i), true
}

// text is the text at place i.
func (x *Index) text(i int) []byte {
	s := x.spans[i]
	return x.chunks[s.chunk][s.start:s.end:s.end]
}

// Remove forgets t, if kept, and returns its text (see Get).
func (x *Index) Remove(t *lua.LTable) ([]byte, bool) {
	i := x.find(t)
	if i < 0 {
		return nil, false
	}
	v := x.text(i)
	x.tables[i], x.spans[i] = nil, span{}
	x.live--
	if x.pos != nil {
		delete(x.pos, t)
	}
	return v, true
}

// find returns the place of t, or -1 when t is not kept.
func (x *Index) find(t *lua.LTable) int {
	if t == nil {
		return -1
	}
	for _, i := range [2]int{x.last, x.last + 1} {
		if i < len(x.tables) && x.tables[i] == t {
			x.last = i
			return i
		}
	}
	if x.pos == nil {
		x.pos = make(map[*lua.LTable]int32, x.live)
		for i, k := range x.tables {
			if k != nil {
				x.pos[k] = int32(i)
			}
		}
	}
	i, ok := x.pos[t]
	if !ok {
		return -1
	}
	x.last = int(i)
	return int(i)
}
