package sora

import (
	lua "github.com/yuin/gopher-lua"

	"github.com/soracron/soracron/bindings/sora/soraerr"
)

// Failed writes and sora.handled.
//
// A write that failed after the client's retries makes the run partial
// unless the script marks it handled: every such failure gets an id when
// its error value reaches Lua, and the Lua values that carry failures (an
// error table, an update_all summary, batch's results and summary) are
// registered with their ids. sora.handled(v) marks the ids of v handled. A
// write to a connection that has left the channel (connection_not_found)
// is not a failure: it is counted as gone.

// newFailure returns the id of a new failed write.
func (s *Module) newFailure() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextFailure++
	return s.nextFailure
}

// register records that the Lua value v carries the failures ids.
func (s *Module) register(v *lua.LTable, ids ...int) {
	if len(ids) == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.carriers == nil {
		s.carriers = map[*lua.LTable][]int{}
	}
	s.carriers[v] = append(s.carriers[v], ids...)
}

// writeErrorValue is errorValue for the failure of request target: a
// failed write (write true, not gone) gets a failure id for sora.handled.
// It returns the table and the id (0 when none).
func (s *Module) writeErrorValue(L *lua.LState, op, target string, write bool, err error) (*lua.LTable, int) {
	e := errorValue(L, op, target, err)
	if !write || soraerr.IsGone(err) || soraerr.IsUnsent(err) {
		return e, 0
	}
	id := s.newFailure()
	s.register(e, id)
	return e, id
}

// sora.handled(v) -> n
//
// Marks the failed writes v carries as handled on purpose, so that they do
// not make the run partial: v is an error returned by a write (or by
// update), an update_all summary, or batch's results or summary. Returns
// the number of failures newly marked; nil, an error of a read or a
// summary without failures give 0. Any other value is misuse.
func (s *Module) luaHandled(L *lua.LState) int {
	v := L.Get(1)
	if v == lua.LNil {
		L.Push(lua.LNumber(0))
		return 1
	}
	t, ok := v.(*lua.LTable)
	if !ok {
		L.ArgError(1, "an error or summary returned by a sora function expected, got "+v.Type().String())
	}
	s.mu.Lock()
	ids, known := s.carriers[t]
	s.mu.Unlock()
	if !known && t.Metatable != errorMetatable(L) && !s.isSummary(t) {
		L.ArgError(1, "an error or summary returned by a sora function expected, got another table")
	}
	n := 0
	s.mu.Lock()
	if s.handled == nil {
		s.handled = map[int]bool{}
	}
	for _, id := range ids {
		if !s.handled[id] {
			s.handled[id] = true
			n++
		}
	}
	s.mu.Unlock()
	L.Push(lua.LNumber(n))
	return 1
}

// isSummary reports whether t was returned as a summary (registered even
// without failures).
func (s *Module) isSummary(t *lua.LTable) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.summaries[t]
}

// markSummary records t as a summary or results table of this module.
func (s *Module) markSummary(t *lua.LTable) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.summaries == nil {
		s.summaries = map[*lua.LTable]bool{}
	}
	s.summaries[t] = true
}
