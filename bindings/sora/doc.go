// Package sora is the Lua module "sora" (require("sora")): a script's access
// to Sora's signaling notify metadata API (list, get, put, delete, put_item,
// delete_item), with update, update_all, batch and call built on them, and a
// dry-run mode in which writes only make up a plan.
//
// New makes the module of one run around a Sora client (the package
// github.com/soracron/soracron/sora, imported here under its own name sora:
// inside this package, sora.X is always the client); Loader registers it,
// Stats and Plan report on the run. Requests are encoded by the client's
// encoders and sent with its Call; Lua values are converted by the json
// module; the dry-run overlay and the request pool live in package plan.
// UpdateAll is update_all as a Go operation, sora.update_all its Lua
// wrapper.
//
// Its parts that need no Lua state are subpackages, none of which imports
// this one: soraerr classifies errors into the fields of an error table,
// updateall holds update_all's change, summary, accounting and warning,
// progress the progress bar of large batch and update_all calls, stats
// the Stats of a run (plain data the engine and the CLI report).
//
// Files: module.go (Module, options, Loader, the accounting of calls),
// calls.go (the single calls and dry-run reads), request.go (request
// tables and options), update.go, update_all.go, batch.go, results.go
// (batch's results, filled in when first used), errors.go (the error
// tables), handled.go (failed writes and sora.handled).
package sora
