package tableindex

import (
	"fmt"
	"math/rand/v2"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// filled returns n tables kept in x at places 0..n-1, the text of each its
// place.
func filled(x *Index, n int) []*lua.LTable {
	ts := make([]*lua.LTable, n)
	for i := range ts {
		ts[i] = &lua.LTable{}
		x.Add(ts[i], []byte(fmt.Sprint(i)))
	}
	return ts
}

func TestIndexFindsEveryTable(t *testing.T) {
	const n = 200
	orders := map[string]func() []int{
		"in order":   func() []int { return seq(0, n, 1) },
		"reversed":   func() []int { return seq(n-1, -1, -1) },
		"each twice": func() []int { return twice(seq(0, n, 1)) },
		"shuffled":   func() []int { return rand.New(rand.NewPCG(1, 2)).Perm(n) },
		"every third, then the rest": func() []int {
			return append(seq(0, n, 3), append(seq(1, n, 3), seq(2, n, 3)...)...)
		},
	}
	for name, order := range orders {
		t.Run(name, func(t *testing.T) {
			var x Index
			ts := filled(&x, n)
			for _, i := range order() {
				v, ok := x.Get(ts[i])
				if !ok || string(v) != fmt.Sprint(i) {
					t.Fatalf("Get(table %d) = %q, %v; want %q", i, v, ok, fmt.Sprint(i))
				}
			}
			if name == "in order" || name == "each twice" {
				if x.pos != nil {
					t.Errorf("a walk in order built the map")
				}
			}
		})
	}
}

func TestIndexRemove(t *testing.T) {
	for _, outOfOrder := range []bool{false, true} {
		t.Run(fmt.Sprintf("map built %v", outOfOrder), func(t *testing.T) {
			var x Index
			ts := filled(&x, 10)
			if outOfOrder {
				x.Get(ts[7])
			}
			for _, i := range []int{0, 1, 5, 9} {
				if v, ok := x.Remove(ts[i]); !ok || string(v) != fmt.Sprint(i) {
					t.Fatalf("Remove(table %d) = %q, %v", i, v, ok)
				}
				if _, ok := x.Remove(ts[i]); ok {
					t.Fatalf("table %d removed twice", i)
				}
				if _, ok := x.Get(ts[i]); ok {
					t.Fatalf("table %d found after its removal", i)
				}
			}
			if x.Len() != 6 {
				t.Errorf("Len = %d, want 6", x.Len())
			}
			for _, i := range []int{2, 3, 4, 6, 7, 8} {
				if v, ok := x.Get(ts[i]); !ok || string(v) != fmt.Sprint(i) {
					t.Errorf("Get(table %d) = %q, %v after removals", i, v, ok)
				}
			}
		})
	}
}

func TestIndexPutAtPlaces(t *testing.T) {
	var x Index
	x.Grow(4)
	a, b, c, other := &lua.LTable{}, &lua.LTable{}, &lua.LTable{}, &lua.LTable{}
	x.Put(3, a, []byte("a")) // places 0-2 left empty, as a batch's failed results
	x.Put(0, b, []byte("b"))
	if v, ok := x.Get(a); !ok || string(v) != "a" {
		t.Fatalf("Get(a) = %q, %v", v, ok)
	}
	x.Get(b) // out of order: the map is built
	x.Put(7, c, []byte("c"))
	for _, tc := range []struct {
		name string
		t    *lua.LTable
		want string
		ok   bool
	}{
		{"put before the map", a, "a", true},
		{"put first at place 0", b, "b", true},
		{"put after the map was built", c, "c", true},
		{"never put", other, "", false},
		{"nil", nil, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, ok := x.Get(tc.t)
			if ok != tc.ok || string(v) != tc.want {
				t.Errorf("Get = %q, %v; want %q, %v", v, ok, tc.want, tc.ok)
			}
		})
	}
	if x.Len() != 3 {
		t.Errorf("Len = %d, want 3", x.Len())
	}
}

func seq(from, to, step int) []int {
	var s []int
	for i := from; i != to && (step > 0) == (i < to); i += step {
		s = append(s, i)
	}
	return s
}

func twice(s []int) []int {
	var d []int
	for _, i := range s {
		d = append(d, i, i)
	}
	return d
}

func BenchmarkIndexGet(b *testing.B) {
	const n = 100_000
	for _, walk := range []string{"in order", "shuffled", "map"} {
		b.Run(walk, func(b *testing.B) {
			var x Index
			ts := filled(&x, n)
			m := make(map[*lua.LTable][]byte, n)
			for i, t := range ts {
				m[t] = x.text(i)
			}
			order := seq(0, n, 1)
			if walk != "in order" {
				order = rand.New(rand.NewPCG(1, 2)).Perm(n)
			}
			b.ResetTimer()
			for k := 0; k < b.N; k++ {
				t := ts[order[k%n]]
				var ok bool
				if walk == "map" {
					_, ok = m[t]
				} else {
					_, ok = x.Get(t)
				}
				if !ok {
					b.Fatal("not found")
				}
			}
		})
	}
}
