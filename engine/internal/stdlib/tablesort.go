package stdlib

import (
	"sort"

	lua "github.com/yuin/gopher-lua"
)

// sortCheckEvery is how many comparisons table.sort makes between checks
// of the run's context (a Lua comparator is also stopped by the VM).
const sortCheckEvery = 1 << 12

// tableSort is table.sort(t [, comp]): the elements 1..#t sorted with comp
// or the < operator, checking the run's context as it goes. The elements
// are sorted in a copy and written back at the end, so a comparator that
// fails, is inconsistent or changes the table leaves no half-sorted table
// and cannot make the sort read out of bounds.
func tableSort(L *lua.LState) int {
	t := L.CheckTable(1)
	var comp *lua.LFunction
	if L.GetTop() >= 2 && L.Get(2) != lua.LNil {
		comp = L.CheckFunction(2)
	}
	n := t.Len()
	s := &sorter{L: L, comp: comp, values: make([]lua.LValue, n)}
	for i := range n {
		s.values[i] = t.RawGetInt(i + 1)
	}
	sort.Sort(s)
	for i, v := range s.values {
		t.RawSetInt(i+1, v)
	}
	return 0
}

// sorter is the sort.Interface of tableSort.
type sorter struct {
	L      *lua.LState
	comp   *lua.LFunction
	values []lua.LValue
	n      int // comparisons made
}

func (s *sorter) Len() int      { return len(s.values) }
func (s *sorter) Swap(i, j int) { s.values[i], s.values[j] = s.values[j], s.values[i] }

func (s *sorter) Less(i, j int) bool {
	if s.n++; s.n%sortCheckEvery == 0 {
		raiseIfDone(s.L)
	}
	if s.comp == nil {
		return s.L.LessThan(s.values[i], s.values[j])
	}
	L := s.L
	L.Push(s.comp)
	L.Push(s.values[i])
	L.Push(s.values[j])
	L.Call(2, 1)
	less := lua.LVAsBool(L.Get(-1))
	L.Pop(1)
	return less
}
