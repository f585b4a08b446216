// Package isolation owns the child process of an isolated run (the
// engine's Request.Isolation "process"): starting it, the protocol between
// parent and child, its memory limit, and killing it.
//
// The parent side is Run: it starts the child (the soracron binary's
// hidden child subcommand, Child.Command), writes one Request as JSON on
// its stdin (the Sora client's configuration included, never on the
// command line or in the environment, as the headers hold credentials),
// and reads Messages, one JSON line each, from its stdout: log records
// (relayed to the run's logger), the start of the script, the memory
// watchdog's report, and the Result. It kills the child shortly after the
// run's deadline whatever the child is doing, and interrupts then kills it
// when the run is cancelled. End says how the child ended; the engine
// turns it into a Result and a ScriptError.
//
// The child side is Serve: it reads the Request, caps the process's memory
// (limitMemory: a heap watchdog, the Go runtime's soft limit and an OS
// limit on data memory), ends the run's context at its deadline, calls
// the engine's RunFunc with a logger that sends each record to the
// parent, and writes the Result.
//
// The package knows the engine's results only as plain data (Result,
// Error): it does not import the engine, which imports it.
package isolation
