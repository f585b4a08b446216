package engine

import "github.com/soracron/soracron/engine/internal/source"

// DefaultMaxStringBytes is the default of Options.MaxStringBytes.
//
// What bounds a run's use of the host (see also the README's "Limits"):
//
//   - Time: the run's timeout (or cancellation) stops it within about
//     100 ms wherever it is: Lua code in loops, under pcall and xpcall, in
//     coroutines, metamethods and callbacks (table.sort, string.gsub), and
//     the library functions whose cost grows with their input: pattern
//     matching (string.find, match, gmatch, gsub; see
//     engine/internal/stdlib), string.upper, lower and reverse, a plain
//     string.find, table.concat and table.sort check the run's context as
//     they go; the others are bounded by the limits below. An error's
//     message and traceback are bounded too (MaxErrorBytes, traceback
//     levels).
//   - Strings built in one call: string.rep, string.format, table.concat,
//     string.gsub, json.encode output and json.decode input are refused
//     beyond MaxStringBytes; string.format takes widths and precisions of
//     at most 2 digits; loadstring and load take chunks of at most
//     MaxScriptBytes; the JSON form of a return value, of a value written
//     with the sora module and of json.encode is refused beyond 32 MiB
//     (bindings.JSONMaxBytes), which stops a table referenced many times
//     (small in memory, huge as JSON); Sora's replies are refused beyond
//     the client's MaxResponseBytes (1 GiB by default, --max-reply-size).
//   - Stacks: at most 1024 nested calls (stack overflow) and 1,048,576
//     values on the data stack (registry overflow).
//
// What is not bounded in the process: memory the script builds step by
// step. Each .. of two strings, each table insertion, each coroutine
// allocates, and Go cannot account memory per goroutine, so a loop that
// doubles a string (s = s .. s) or fills a table can use the host's memory
// until the timeout. Runs that must be bounded in memory run in a child
// process (see Isolation and Request.MemoryLimit), which a heap watchdog
// and an OS limit stop at its memory limit.
const DefaultMaxStringBytes = 32 << 20

// MaxScriptBytes caps a script file, a module file and a chunk given to
// loadstring or load (1 MiB; gopher-lua's parser takes about 2 s for a
// megabyte of statements). See engine/internal/source.
const MaxScriptBytes = source.MaxBytes
