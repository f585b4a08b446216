// Package engine loads, compiles and runs soracron's Lua scripts.
//
// Every run gets a fresh, sandboxed LState: only the safe parts of the
// standard library, a require that loads preloaded modules (sora, json, log,
// time, run, strings, regexp, base64, hex, crypto, http; see Modules) and .lua
// files under the script's own directory, a context carrying the run's
// timeout and cancellation, and print routed to the run's logger.
// The LState is built when the run starts, or ahead of it by Prewarm (still
// for that run only); the Go function values of the libraries are shared.
// Compiled chunks are cached by path and content and shared between runs; a
// script file that has not changed since it was read is not read again.
// A run reads its script when it starts, unless its Request carries a
// Script compiled before by Load (Request.Compiled): then it runs that
// chunk, and the file as it is now does not matter. The daemon pins its
// jobs' scripts so. Modules the script requires are read when required,
// pinned or not.
//
// The package owns what a run is: its Request, Result and ScriptError,
// the sandbox of one run (sandbox.go, prewarm.go, require.go, modules.go,
// guard.go), the compile cache and pinned scripts (cache.go, stamps.go,
// script.go), the error handler that turns a Lua failure into a
// ScriptError (errors.go), Sessions for the REPL and the test runner, and
// Describe for lint and lua-types. Its parts that know nothing of the
// run's machinery are packages of their own under engine/internal, which
// never import engine:
//
//   - stdlib: the sandbox's standard library (gopher-lua's safe
//     libraries, with string, table, pcall, xpcall, coroutine.yield,
//     loadstring and load replaced by bounded, interruptible versions);
//   - pattern: the Lua pattern matcher stdlib's string functions use;
//   - source: reading script and module files, and the limits of what
//     gopher-lua's parser is given;
//   - isolation: the child process of a run with Isolation "process"
//     (starting and killing it, its protocol, its memory limit); the
//     engine builds its request and turns what it reports into a Result
//     (isolation.go), and serves the child's side (child.go, ServeChild).
package engine
