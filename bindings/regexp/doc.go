// Package regexp is the Lua module "regexp": Go's RE2 regular expressions,
// for what Lua patterns cannot say (alternation, counted repetition, word
// boundaries) and with a running time linear in the subject's length.
//
//	local regexp = require("regexp")
//	regexp.match("^sora-[0-9]+$", "sora-12")          --> true
//	regexp.find("(?P<key>\\w+)=(\\d+)", "a=1 b=2")    --> "a=1", {"a", "1", key = "a"}
//	regexp.find_all("\\d+", "a1b22c333")              --> {"1", "22", "333"}
//	regexp.find_all("\\d+", "a1b22c333", 2)           --> {"1", "22"}
//	regexp.gsub("(\\w+)@", "ann@x bob@y", "<$1>@")    --> "<ann>@x <bob>@y", 2
//	regexp.gsub("\\d", "a1b2", function(m) return m .. m end) --> "a11b22", 2
//
// The syntax is Go's regexp/syntax (RE2): no backreferences or lookaround.
// A pattern that does not compile is misuse and raises an error naming the
// pattern. Compiled patterns are kept in a bounded least-recently-used
// cache shared by the runs of an engine, so a pattern used in a loop is
// compiled once. Patterns are limited to MaxPatternBytes; gsub's result to
// the run's string limit (as string.gsub's); gsub with a function checks
// the run's context as it goes, so a timeout stops it.
package regexp
