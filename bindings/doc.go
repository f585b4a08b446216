// Package bindings holds the Lua modules a soracron script can require, one
// package per module:
//
//	bindings/sora  require("sora"): the signaling notify metadata API
//	bindings/json  require("json"): the lossless JSON codec
//	bindings/log   require("log"):  structured logs to the run's logger
//	bindings/time  require("time"): the injected clock and a cancellable sleep
//	bindings/plan  the dry-run overlay and plan, and the request pool of
//	               sora.batch and sora.update_all (plain Go, no Lua state)
//
// Each module package has the same shape: a Loader (a lua.LGFunction for
// LState.PreloadModule), or a constructor taking the module's dependencies
// whose Loader method is one, and a function table mapping the Lua names to
// Go functions. The engine registers them; the packages import only
// gopher-lua, each other (sora and log use json; sora uses plan) and the
// Sora client in sora/.
package bindings
