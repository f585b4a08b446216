// Package bindings holds the Lua modules a soracron script can require, one
// package per module:
//
//	bindings/sora  require("sora"): the signaling notify metadata API
//	bindings/json  require("json"): the lossless JSON codec
//	bindings/log   require("log"):  structured logs to the run's logger
//	bindings/time  require("time"): the injected clock and a cancellable sleep
//	bindings/run   require("run"):  the run's job, trigger, tick, id and node
//	bindings/strings require("strings"): split, trim, replace and the like
//	bindings/regexp  require("regexp"): Go RE2 regular expressions, cached
//	bindings/base64  require("base64"): standard and URL-safe base64
//	bindings/hex     require("hex"): hexadecimal encoding
//	bindings/crypto  require("crypto"): SHA-256, HMAC, random bytes, UUIDs
//	bindings/http    require("http"): HTTP requests to allowed hosts only
//	bindings/plan  the dry-run overlay and plan, and the request pool of
//	               sora.batch and sora.update_all (plain Go, no Lua state)
//	bindings/internal/tableindex  where lazy tables (json's Objects,
//	               sora.batch's results) keep their texts, found by place
//
// Each module package has the same shape: a Loader (a lua.LGFunction for
// LState.PreloadModule), or a constructor taking the module's dependencies
// whose Loader method is one, and a function table mapping the Lua names to
// Go functions. The engine registers them; the packages import only
// gopher-lua, each other (sora and log use json; sora uses plan), the
// Sora client in sora/ (sora; http for its retry policy; json for the string
// escaper it shares with the wire encoder) and the
// libraries they wrap (golang-lru for regexp's cache, google/uuid).
package bindings
