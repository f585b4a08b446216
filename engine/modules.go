package engine

import (
	"slices"

	lua "github.com/yuin/gopher-lua"

	luabase64 "github.com/soracron/soracron/bindings/base64"
	luacrypto "github.com/soracron/soracron/bindings/crypto"
	luahex "github.com/soracron/soracron/bindings/hex"
	luahttp "github.com/soracron/soracron/bindings/http"
	luajson "github.com/soracron/soracron/bindings/json"
	luaregexp "github.com/soracron/soracron/bindings/regexp"
	luastrings "github.com/soracron/soracron/bindings/strings"
	luatime "github.com/soracron/soracron/bindings/time"
)

// moduleNames are the modules every sandbox preloads for require, in the
// order the documentation lists them.
var moduleNames = []string{"sora", "json", "log", "time", "run", "strings", "regexp", "base64", "hex", "crypto", "http"}

// Modules returns the names of the modules a script can require without a
// file: sora, json, log, time, run, strings, regexp, base64, hex, crypto, http.
func Modules() []string { return slices.Clone(moduleNames) }

// engineModules are the modules whose state is the engine's (shared by all
// its runs): their loaders are made once.
type engineModules struct {
	regexp *luaregexp.Module
}

func newEngineModules(maxStringBytes int) engineModules {
	return engineModules{regexp: luaregexp.New(maxStringBytes, luaregexp.DefaultCacheSize)}
}

// sharedLoaders returns the loaders of the modules that do not depend on
// the run, as function values made in L.
func (e *Engine) sharedLoaders(L *lua.LState) map[string]*lua.LFunction {
	maxb := e.opts.MaxStringBytes
	return map[string]*lua.LFunction{
		"json":    L.NewFunction(luajson.Loader),
		"time":    L.NewFunction(luatime.New(e.opts.Now).Loader),
		"strings": L.NewFunction(luastrings.New(maxb).Loader),
		"regexp":  L.NewFunction(e.mods.regexp.Loader),
		"base64":  L.NewFunction(luabase64.New(maxb).Loader),
		"hex":     L.NewFunction(luahex.New(maxb).Loader),
		"crypto":  L.NewFunction(luacrypto.Loader),
	}
}

// loadHTTP is the loader of the http module: the run's allowed hosts, the
// engine's transport.
func (r *run) loadHTTP(L *lua.LState) int {
	return luahttp.New(luahttp.Options{
		Allow:        r.req.HTTPAllow,
		Setting:      r.e.opts.HTTPSetting,
		Transport:    r.e.httpTransport,
		MaxBodyBytes: int64(min(r.e.opts.MaxStringBytes, luahttp.DefaultMaxBodyBytes)),
	}).Loader(L)
}
