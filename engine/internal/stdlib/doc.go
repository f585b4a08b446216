// Package stdlib is the standard library of soracron's Lua sandbox: what a
// script gets of gopher-lua's base, table, string, math and coroutine
// libraries, and the engine's replacements for the functions that would
// let one call outlive its run or make the host build an unbounded string.
//
// New records gopher-lua's libraries once (record.go: each function as its
// Go function, without file access, environment tampering, GC control or
// debugging), and Lib.Open builds fresh tables from the record in each
// run's LState; only immutable function values are shared between runs.
// Before they are shared, New replaces:
//
//   - string.find, match, gmatch and gsub (strmatch.go): the matcher of
//     engine/internal/pattern, which checks the run's context as it
//     searches, with gopher-lua's semantics otherwise (the differential
//     tests and FuzzGsub compare them);
//   - string.rep, string.format, table.concat and gsub's result
//     (strlimits.go): refused beyond the engine's MaxStringBytes;
//     string.format widths and precisions of at most 2 digits;
//   - string.upper, lower, reverse (strcase.go) and table.sort
//     (tablesort.go): by chunks, checking the run's context between them;
//   - coroutine.yield, which refuses to cross a Go-called boundary, and
//     loadstring and load (loadstring.go), which take the limits of script
//     files (engine/internal/source) and do not hold a cancelled run.
//
// The engine's sandbox also installs the replacements of base functions
// exported here: pcall and xpcall (Protector; protect.go: the end of the
// run's context cannot be swallowed, and no traceback is built under
// them), assert, error and pairs (base.go). Traceback renders a bounded
// stack traceback, ProtectedCall is a PCall that survives a full data
// stack.
//
// The package knows nothing of runs, scripts or modules: a function here
// sees only its LState, whose context is the run's.
package stdlib
