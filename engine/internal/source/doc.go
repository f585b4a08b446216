// Package source owns the Lua source text the engine accepts before
// gopher-lua's parser sees it: scripts, required modules and the chunks of
// loadstring and load.
//
// gopher-lua's parser and compiler recurse once per level of nesting and
// take time that grows faster than the input, and reading a path that is
// not a regular file can block forever (a FIFO) or never end (/dev/zero).
// So every chunk goes through two gates here:
//
//   - Read opens a script or module file without blocking, refuses
//     anything but a regular file of at most MaxBytes (naming what it is),
//     and reads it by chunks, checking the run's context between them.
//   - Check refuses text the parser could not handle in bounded time and
//     memory: over MaxBytes, nested deeper than 200 levels, or with more
//     than 200 .. operators in one expression (an *Error with the line).
//
// StripHeader removes a byte order mark and a "#!" first line, as C Lua's
// loader does. The package knows nothing of runs or of the compile cache:
// the engine calls it, and turns its errors into ScriptErrors.
package source
