package luatest

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	lua "github.com/yuin/gopher-lua"

	luajson "github.com/soracron/soracron/bindings/json"
	"github.com/soracron/soracron/bindings/plan"
	"github.com/soracron/soracron/engine"
)

// The Lua module "testing" of one test file (local t = require("testing")):
//
//	t.fixture(tbl | path)              -- fixture of the tests registered after it
//	t.test(name, fn)                   -- registers a test
//	t.run(script [, args [, opts]])    -> result | nil, err
//	t.metadata(channel_id, connection_id) -> metadata | nil
//	t.connections([channel_id])        -> {{channel_id, connection_id, ..., metadata}, ...}
//	t.pushes([channel_id])             -> {{channel_id, connection_id, message}, ...}
//	t.requests()                       -> {{target, action, status, attempt, error}, ...}
//	t.plan() / t.stats()               -> of the last dry run / t.run
//	t.now([seconds])                   -> seconds
//	t.id(label)                        -> a connection id
//	t.connect(channel_id [, conn])     -> connection id
//	t.disconnect(channel_id, connection_id) -> boolean
//	t.eq, t.ne, t.truthy, t.falsy, t.error_matches -- assertions (assert.go)
//
// docs/lua-api.md is the reference.

// api is the function table of the module.
func (fr *fileRun) api() map[string]lua.LGFunction {
	return map[string]lua.LGFunction{
		"fixture":       fr.luaFixture,
		"test":          fr.luaTest,
		"run":           fr.luaRun,
		"metadata":      fr.luaMetadata,
		"connections":   fr.luaConnections,
		"pushes":        fr.luaPushes,
		"requests":      fr.luaRequests,
		"plan":          fr.luaPlan,
		"stats":         fr.luaStats,
		"now":           fr.luaNow,
		"id":            luaID,
		"connect":       fr.luaConnect,
		"disconnect":    fr.luaDisconnect,
		"eq":            luaEq,
		"ne":            luaNe,
		"truthy":        luaTruthy,
		"falsy":         luaFalsy,
		"error_matches": luaErrorMatches,
	}
}

// loader is the lua.LGFunction of require("testing").
// Loader is the loader of the testing module outside a test run, for tools
// that list its fields (soracron lint, lua-types); its functions must not be
// called.
func Loader(L *lua.LState) int { return (&fileRun{}).loader(L) }

func (fr *fileRun) loader(L *lua.LState) int {
	api := fr.api()
	L.Push(L.SetFuncs(L.CreateTable(0, len(api)), api))
	return 1
}

// need returns the environment of the running test, raising an error when
// fn is called outside a test.
func (fr *fileRun) need(L *lua.LState, fn string) *env {
	if fr.cur == nil {
		L.RaiseError("t.%s: only inside a test function (t.test)", fn)
	}
	return fr.cur
}

// t.fixture(tbl | path | nil)
func (fr *fileRun) luaFixture(L *lua.LState) int {
	var fx *fixture
	var err error
	switch v := L.Get(1).(type) {
	case *lua.LTable:
		fx, err = fixtureFromTable(v)
	case lua.LString:
		fx, err = fixtureFromFile(fr.dir, string(v))
	case *lua.LNilType:
	default:
		L.ArgError(1, "table of channels or fixture file path expected, got "+v.Type().String())
	}
	if err != nil {
		L.RaiseError("t.fixture: %v", err)
	}
	if fr.cur == nil {
		fr.fixture = fx
		return 0
	}
	// Inside a test: start over from the new fixture now.
	fr.cur.emu.Reset()
	if err := fx.apply(fr.cur.emu); err != nil {
		L.RaiseError("t.fixture: %v", err)
	}
	return 0
}

// t.test(name, fn)
func (fr *fileRun) luaTest(L *lua.LState) int {
	name := L.CheckString(1)
	fn := L.CheckFunction(2)
	if fr.cur != nil || fr.loaded {
		L.RaiseError("t.test: register tests at the top level of the test file, not inside a test")
	}
	if name == "" {
		L.ArgError(1, "the test name must not be empty")
	}
	for _, tc := range fr.tests {
		if tc.name == name {
			L.RaiseError("t.test: a test named %q is already registered", name)
		}
	}
	fr.tests = append(fr.tests, &testCase{name: name, fn: fn, fixture: fr.fixture})
	return 0
}

// runOpts are the options of t.run.
type runOpts struct {
	now         *float64
	dryRun      bool
	timeout     time.Duration
	concurrency int
	event       map[string]any
	allowHTTP   []string
}

func checkRunOpts(L *lua.LState, n int) runOpts {
	var o runOpts
	switch v := L.Get(n).(type) {
	case *lua.LNilType:
		return o
	case *lua.LTable:
		v.ForEach(func(k, val lua.LValue) {
			key, _ := k.(lua.LString)
			switch key {
			case "now":
				sec, ok := val.(lua.LNumber)
				if !ok {
					L.ArgError(n, "now must be a number of seconds, got "+val.Type().String())
				}
				f := float64(sec)
				o.now = &f
			case "dry_run":
				b, ok := val.(lua.LBool)
				if !ok {
					L.ArgError(n, "dry_run must be a boolean, got "+val.Type().String())
				}
				o.dryRun = bool(b)
			case "timeout":
				sec, ok := val.(lua.LNumber)
				if !ok || sec <= 0 {
					L.ArgError(n, "timeout must be a positive number of seconds")
				}
				o.timeout = time.Duration(float64(sec) * float64(time.Second))
			case "concurrency":
				c, ok := val.(lua.LNumber)
				if !ok || c < 1 {
					L.ArgError(n, "concurrency must be a number >= 1")
				}
				o.concurrency = int(c)
			case "event":
				t, ok := val.(*lua.LTable)
				var m map[string]any
				if ok {
					v, err := luajson.FromLuaPath(t, "event")
					m, ok = v.(map[string]any)
					if err != nil {
						L.ArgError(n, err.Error())
					}
				}
				if !ok {
					L.ArgError(n, "event must be a table with string keys (the event of Sora's event webhook)")
				}
				o.event = m
			case "allow_http":
				t, ok := val.(*lua.LTable)
				if !ok {
					L.ArgError(n, "allow_http must be a list of hosts, got "+val.Type().String())
				}
				for i := 1; i <= t.Len(); i++ {
					h, ok := t.RawGetInt(i).(lua.LString)
					if !ok {
						L.ArgError(n, "allow_http must be a list of host strings")
					}
					o.allowHTTP = append(o.allowHTTP, string(h))
				}
			default:
				L.ArgError(n, "unknown option "+k.String()+" (want now, dry_run, timeout, concurrency, event, allow_http)")
			}
		})
	default:
		L.ArgError(n, "options table expected, got "+v.Type().String())
	}
	return o
}

// resolveScript finds the script of t.run: relative paths are tried from
// the working directory first, then from the test file's directory.
func (fr *fileRun) resolveScript(script string) (string, error) {
	if filepath.IsAbs(script) {
		if _, err := os.Stat(script); err != nil {
			return "", err
		}
		return script, nil
	}
	if info, err := os.Stat(script); err == nil && !info.IsDir() {
		return script, nil
	}
	p := filepath.Join(fr.dir, script)
	if info, err := os.Stat(p); err == nil && !info.IsDir() {
		return p, nil
	}
	return "", fmt.Errorf("script %q not found in the working directory nor in %s", script, fr.dir)
}

// t.run(script [, args [, opts]]) -> result | nil, err
func (fr *fileRun) luaRun(L *lua.LState) int {
	env := fr.need(L, "run")
	script := L.CheckString(1)
	var args map[string]any
	switch v := L.Get(2).(type) {
	case *lua.LNilType:
	case *lua.LTable:
		a, err := luajson.FromLuaPath(v, "args")
		if err != nil {
			L.ArgError(2, err.Error())
		}
		m, ok := a.(map[string]any)
		if !ok {
			L.ArgError(2, "args must be a table with string keys, got a list")
		}
		args = m
	default:
		L.ArgError(2, "args table expected, got "+v.Type().String())
	}
	o := checkRunOpts(L, 3)
	path, err := fr.resolveScript(script)
	if err != nil {
		L.RaiseError("t.run: %v", err)
	}
	if o.now != nil {
		env.setRunClock(o.now)
		defer env.setRunClock(nil)
	}
	res, err := env.eng.Run(L.Context(), engine.Request{
		Script:      path,
		Args:        args,
		Event:       o.event,
		DryRun:      o.dryRun,
		Timeout:     o.timeout,
		Concurrency: o.concurrency,
		HTTPAllow:   o.allowHTTP,
		Logger:      fr.logger,
	})
	if res != nil {
		env.setLast(&lastRun{stats: res.Stats, plan: res.Plan})
	}
	if err != nil {
		fr.logger.Info("t.run failed", "script", path, "error", err.Error())
		L.Push(lua.LNil)
		L.Push(fr.errorValue(L, err))
		return 2
	}
	if !res.HasValue {
		L.Push(lua.LNil)
		return 1
	}
	L.Push(luajson.ToLua(L, res.Value))
	return 1
}

// errorValue is the err of a failed t.run: {kind, message, script, line,
// traceback} whose tostring is "script:line: message".
func (fr *fileRun) errorValue(L *lua.LState, err error) *lua.LTable {
	t := L.CreateTable(0, 5)
	text := err.Error()
	var se *engine.ScriptError
	if errors.As(err, &se) {
		t.RawSetString("kind", lua.LString(errorKind(se.Kind)))
		t.RawSetString("message", lua.LString(se.Message))
		t.RawSetString("script", lua.LString(se.Script))
		t.RawSetString("line", lua.LNumber(se.Line))
		t.RawSetString("traceback", lua.LString(se.Traceback))
	} else {
		t.RawSetString("kind", lua.LString("error"))
		t.RawSetString("message", lua.LString(text))
	}
	mt := L.CreateTable(0, 2)
	mt.RawSetString("__name", lua.LString("testing.error"))
	mt.RawSetString("__tostring", L.NewFunction(func(L *lua.LState) int {
		L.Push(lua.LString(text))
		return 1
	}))
	t.Metatable = mt
	return t
}

// errorKind names an engine.ErrorKind in t.run's err.kind.
func errorKind(k engine.ErrorKind) string {
	switch k {
	case engine.Syntax:
		return "syntax"
	case engine.Runtime:
		return "runtime"
	case engine.Timeout:
		return "timeout"
	case engine.Cancelled:
		return "cancelled"
	}
	return "error"
}

// t.metadata(channel_id, connection_id) -> metadata | nil
func (fr *fileRun) luaMetadata(L *lua.LState) int {
	env := fr.need(L, "metadata")
	ch, id := L.CheckString(1), L.CheckString(2)
	md, ok := env.emu.Metadata(ch, id)
	if !ok {
		L.Push(lua.LNil)
		return 1
	}
	L.Push(luajson.ToLua(L, md))
	return 1
}

// t.connections([channel_id]) -> list
func (fr *fileRun) luaConnections(L *lua.LState) int {
	env := fr.need(L, "connections")
	list := []any{}
	for _, c := range env.emu.Connections(L.OptString(1, "")) {
		list = append(list, map[string]any{
			"channel_id":    c.ChannelID,
			"connection_id": c.ConnectionID,
			"client_id":     c.ClientID,
			"bundle_id":     c.BundleID,
			"role":          c.Role,
			"created_time":  float64(c.CreatedTime.UnixNano()) / 1e9,
			"metadata":      c.Metadata,
		})
	}
	L.Push(luajson.ToLua(L, list))
	return 1
}

// t.pushes([channel_id]) -> list, one entry per recipient of each delivery
func (fr *fileRun) luaPushes(L *lua.LState) int {
	env := fr.need(L, "pushes")
	list := []any{}
	for _, d := range env.emu.Deliveries(L.OptString(1, "")) {
		for _, r := range d.Recipients {
			list = append(list, map[string]any{
				"channel_id":    d.ChannelID,
				"connection_id": r,
				"message":       json.RawMessage(d.Message),
			})
		}
	}
	L.Push(luajson.ToLua(L, list))
	return 1
}

// t.requests() -> list of the HTTP attempts of the test's scripts
func (fr *fileRun) luaRequests(L *lua.LState) int {
	env := fr.need(L, "requests")
	list := []any{}
	for _, r := range env.recorded() {
		m := map[string]any{"target": r.Target, "action": r.Action, "status": r.Status, "attempt": r.Attempt}
		if r.Error != "" {
			m["error"] = r.Error
		}
		list = append(list, m)
	}
	L.Push(luajson.ToLua(L, list))
	return 1
}

// t.plan() -> the plan of the last dry run of the test, nil before one
func (fr *fileRun) luaPlan(L *lua.LState) int {
	env := fr.need(L, "plan")
	last := env.lastRun()
	if last == nil || last.plan == nil {
		L.Push(lua.LNil)
		return 1
	}
	p := *last.plan
	if p.Changes == nil {
		p.Changes = []plan.Change{}
	}
	pushJSON(L, p)
	return 1
}

// t.stats() -> the statistics of the last t.run, nil before the first
func (fr *fileRun) luaStats(L *lua.LState) int {
	env := fr.need(L, "stats")
	last := env.lastRun()
	if last == nil {
		L.Push(lua.LNil)
		return 1
	}
	st := last.stats
	if st.Calls == nil {
		st.Calls = map[string]int{}
	}
	pushJSON(L, st)
	return 1
}

// pushJSON pushes v (a Go struct) as Lua through its JSON encoding.
func pushJSON(L *lua.LState, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		L.RaiseError("%v", err)
	}
	lv, err := luajson.Decode(L, data)
	if err != nil {
		L.RaiseError("%v", err)
	}
	L.Push(lv)
}

// t.now([seconds]) -> seconds
func (fr *fileRun) luaNow(L *lua.LState) int {
	env := fr.need(L, "now")
	if L.GetTop() >= 1 {
		env.setClock(float64(L.CheckNumber(1)))
	}
	now := env.now()
	L.Push(lua.LNumber(float64(now.UnixNano()) / 1e9))
	return 1
}

// t.id(label) -> connection id
func luaID(L *lua.LState) int {
	id, err := labelID(L.CheckString(1))
	if err != nil {
		L.ArgError(1, err.Error())
	}
	L.Push(lua.LString(id))
	return 1
}

// t.connect(channel_id [, {connection_id, client_id, bundle_id, role, metadata}]) -> connection id
func (fr *fileRun) luaConnect(L *lua.LState) int {
	env := fr.need(L, "connect")
	ch := L.CheckString(1)
	var item any = map[string]any{}
	if v := L.Get(2); v != lua.LNil {
		L.CheckTable(2)
		var err error
		if item, err = luajson.FromLuaPath(v, "connection"); err != nil {
			L.ArgError(2, err.Error())
		}
	}
	c, err := fixtureConn(ch, 1, item)
	if err != nil {
		L.ArgError(2, err.Error())
	}
	added, err := env.emu.AddConnection(c)
	if err != nil {
		L.RaiseError("t.connect: %v", err)
	}
	L.Push(lua.LString(added.ConnectionID))
	return 1
}

// t.disconnect(channel_id, connection_id) -> boolean
func (fr *fileRun) luaDisconnect(L *lua.LState) int {
	env := fr.need(L, "disconnect")
	L.Push(lua.LBool(env.emu.RemoveConnection(L.CheckString(1), L.CheckString(2))))
	return 1
}
