// Package pattern is the Lua pattern matcher behind the sandbox's
// string.find, match, gmatch and gsub (engine/internal/stdlib).
//
// gopher-lua's matcher recurses and cannot be stopped: a pathological
// pattern such as ".-.-.-.-b" on a long subject, whose cost grows with a
// power of the subject's length, would run on long after its run's
// timeout. This one is adapted from gopher-lua's (parse.go keeps its
// scanner, classes, parser and compiler, with a limit on captures) and
// matches with an explicit backtracking stack (match.go): Find calls a
// check function every CheckEvery steps and at each start position, so a
// match stops within milliseconds of its run's end, and a match whose
// backtracking passes MaxBacktrack fails with "pattern/input too complex"
// as gopher-lua's recursion limit did. Compile turns a pattern into the
// immutable, shareable Pattern; MatchData holds one match's captures.
//
// The tests compare Find with gopher-lua's matcher on fixed cases and
// under FuzzFind. The package imports nothing of the project.
package pattern
