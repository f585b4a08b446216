package engine

import (
	"slices"

	lua "github.com/yuin/gopher-lua"

	"github.com/soracron/soracron/bindings"
	"github.com/soracron/soracron/bindings/base64"
	"github.com/soracron/soracron/bindings/crypto"
	"github.com/soracron/soracron/bindings/hex"
	"github.com/soracron/soracron/bindings/http"
	"github.com/soracron/soracron/bindings/regexp"
	"github.com/soracron/soracron/bindings/strings"
)

// moduleNames are the modules every sandbox preloads for require, in the
// order the documentation lists them.
var moduleNames = []string{"sora", "json", "log", "time", "strings", "regexp", "base64", "hex", "crypto", "http"}

// Modules returns the names of the modules a script can require without a
// file: sora, json, log, time, strings, regexp, base64, hex, crypto, http.
func Modules() []string { return slices.Clone(moduleNames) }

// engineModules are the modules whose state is the engine's (shared by all
// its runs): their loaders are made once.
type engineModules struct {
	regexp *regexp.Module
}

func newEngineModules(maxStringBytes int) engineModules {
	return engineModules{regexp: regexp.New(maxStringBytes, regexp.DefaultCacheSize)}
}

// sharedLoaders returns the loaders of the modules that do not depend on
// the run, as function values made in L.
func (e *Engine) sharedLoaders(L *lua.LState) map[string]*lua.LFunction {
	maxb := e.opts.MaxStringBytes
	return map[string]*lua.LFunction{
		"json":    L.NewFunction(bindings.JSONLoader),
		"time":    L.NewFunction(bindings.NewTime(e.opts.Now).Loader),
		"strings": L.NewFunction(strings.New(maxb).Loader),
		"regexp":  L.NewFunction(e.mods.regexp.Loader),
		"base64":  L.NewFunction(base64.New(maxb).Loader),
		"hex":     L.NewFunction(hex.New(maxb).Loader),
		"crypto":  L.NewFunction(crypto.Loader),
	}
}

// loadHTTP is the loader of the http module: the run's allowed hosts, the
// engine's transport.
func (r *run) loadHTTP(L *lua.LState) int {
	return http.New(http.Options{
		Allow:        r.req.HTTPAllow,
		Setting:      r.e.opts.HTTPSetting,
		Transport:    r.e.httpTransport,
		MaxBodyBytes: int64(min(r.e.opts.MaxStringBytes, http.DefaultMaxBodyBytes)),
	}).Loader(L)
}
