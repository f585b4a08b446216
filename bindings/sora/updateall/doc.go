// Package updateall is the Go-level part of sora.update_all that needs no
// Lua state: the Change the callback asks for one connection, the Summary
// of the whole call (every connection is exactly one of unchanged,
// written, failed, gone or not reached), its accounting as the writes end
// or are abandoned, and the warning that says what became of each
// connection when the call did not all go well (their ids, or a JSON file
// of them when there are many).
//
// Package bindings/sora runs the writes (Module.UpdateAll, from the plan
// package's pool) and turns the Summary into the Lua table that
// sora.update_all returns.
package updateall
