package run

import (
	"slices"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// Info is the context of one run. Its zero value is the context of a
// script run outside the daemon: every field of the module is nil.
type Info struct {
	// Job is the job's name; empty for a script run by path.
	Job string `json:"job,omitempty"`
	// Trigger is what started the run: the history's trigger name
	// ("schedule", "manual", "event"); empty outside the daemon.
	Trigger string `json:"trigger,omitempty"`
	// Scheduled is the tick the run serves; zero when it was not
	// scheduled.
	Scheduled time.Time `json:"scheduled,omitzero"`
	// Node is the cluster node running it; empty in single-node mode.
	Node string `json:"node,omitempty"`
	// ID, when set, returns the run's id in the history, or 0 while it is
	// not known. It is read when the script requires the module (the
	// daemon knows the id by the time the script starts). It does not
	// cross to an isolated child.
	ID func() int64 `json:"-"`
}

// fields are the module's field names, sorted.
var fields = []string{"id", "job", "node", "scheduled", "trigger"}

// Fields returns the names of the module's fields, sorted; a field whose
// value is nil is still a field (reading it is no error).
func Fields() []string { return slices.Clone(fields) }

// Module is the Lua module "run" of one run.
//
//	run.job        -> string?  the job's name
//	run.trigger    -> string?  "schedule", "manual" or "event"
//	run.scheduled  -> number?  the tick, seconds since the Unix epoch
//	run.id         -> integer? the run's id in the history
//	run.node       -> string?  the cluster node running it
//
// The table is read-only: setting a field raises, and so does reading a
// name that is not a field (a typo).
type Module struct {
	info Info
}

// New returns the run module of the run described by info.
func New(info Info) *Module { return &Module{info: info} }

// Loader is the lua.LGFunction of require("run").
func (m *Module) Loader(L *lua.LState) int {
	L.Push(m.table(L))
	return 1
}

// values returns the module's fields that are not nil.
func (m *Module) values() map[string]lua.LValue {
	v := map[string]lua.LValue{}
	if m.info.Job != "" {
		v["job"] = lua.LString(m.info.Job)
	}
	if m.info.Trigger != "" {
		v["trigger"] = lua.LString(m.info.Trigger)
	}
	if t := m.info.Scheduled; !t.IsZero() {
		v["scheduled"] = lua.LNumber(float64(t.Unix()) + float64(t.Nanosecond())/float64(time.Second))
	}
	if m.info.ID != nil {
		if id := m.info.ID(); id > 0 {
			v["id"] = lua.LNumber(id)
		}
	}
	if m.info.Node != "" {
		v["node"] = lua.LString(m.info.Node)
	}
	return v
}

// table is the read-only proxy of the module's values.
func (m *Module) table(L *lua.LState) *lua.LTable {
	data := L.CreateTable(0, len(fields))
	for k, v := range m.values() {
		data.RawSetString(k, v)
	}
	proxy := L.CreateTable(0, 0)
	mt := L.CreateTable(0, 4)
	mt.RawSetString("__index", L.NewFunction(func(L *lua.LState) int {
		key := L.Get(2)
		if s, ok := key.(lua.LString); ok && slices.Contains(fields, string(s)) {
			L.Push(data.RawGetString(string(s)))
			return 1
		}
		L.RaiseError("run has no field '%s' (its fields: %s)", key.String(), strings.Join(fields, ", "))
		return 0
	}))
	mt.RawSetString("__newindex", L.NewFunction(func(L *lua.LState) int {
		L.RaiseError("run is read-only: cannot set run.%s", L.Get(2).String())
		return 0
	}))
	mt.RawSetString("__pairs", L.NewFunction(func(L *lua.LState) int {
		L.Push(L.GetGlobal("next"))
		L.Push(data)
		L.Push(lua.LNil)
		return 3
	}))
	mt.RawSetString("__metatable", lua.LString("read-only"))
	proxy.Metatable = mt
	return proxy
}
