package engine

import (
	"context"
	"slices"

	lua "github.com/yuin/gopher-lua"

	luarun "github.com/soracron/soracron/bindings/run"
	"github.com/soracron/soracron/sora"
)

// API is what a script sees: the fields of each preloaded module and the
// global names of the sandbox. Static checks (soracron lint) and editor
// definitions use it.
type API struct {
	// Modules maps each module name (as for require) to its sorted fields.
	Modules map[string][]string
	// Globals are the sorted global names of the sandbox (functions,
	// libraries, args); modules are not globals.
	Globals []string
	// Libraries maps the global library tables of the sandbox (string,
	// table, math, os, coroutine) to their sorted fields.
	Libraries map[string][]string
}

// Describe returns the API of a sandbox, with extra modules (e.g. the
// testing module of soracron test) added as for SessionOptions.Modules.
func Describe(extra map[string]lua.LGFunction) (*API, error) {
	// A client that is never used: loading the sora module needs one.
	client, err := sora.New(sora.Config{URL: "http://127.0.0.1:1/"})
	if err != nil {
		return nil, err
	}
	sess, err := New(Options{Client: client}).NewSession(SessionOptions{Modules: extra})
	if err != nil {
		return nil, err
	}
	defer sess.Close()
	api := &API{Modules: map[string][]string{}, Libraries: map[string][]string{}}
	g := sess.State().G.Global
	api.Globals = tableKeys(g)
	slices.Sort(api.Globals)
	for _, name := range api.Globals {
		if t, ok := g.RawGetString(name).(*lua.LTable); ok && t != g && name != "args" && name != "package" {
			fields := tableKeys(t)
			slices.Sort(fields)
			api.Libraries[name] = fields
		}
	}
	names := Modules()
	for name := range extra {
		names = append(names, name)
	}
	for _, name := range names {
		vals, err := sess.DoString(context.Background(), "(describe)", "return require('"+name+"')")
		if err != nil {
			return nil, err
		}
		if name == "run" { // a read-only proxy whose fields may be nil
			api.Modules[name] = luarun.Fields()
			continue
		}
		if t, ok := vals[0].(*lua.LTable); ok {
			fields := tableKeys(t)
			slices.Sort(fields)
			api.Modules[name] = fields
		}
	}
	return api, nil
}
