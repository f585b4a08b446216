// Package repl is the read-eval-print loop of `soracron repl`: one engine
// session (one Lua state in the scripts' sandbox, with the modules loaded
// into globals) fed line by line.
//
// Each input is first tried as an expression ("return <input>") and its
// values printed as indented JSON; input that ends inside a block, table or
// long string waits for more lines (incomplete). Batch reads a stream that
// is not a terminal, without prompts; Interactive runs a prompt with line
// editing, history, Tab completion of globals and module members
// (complete.go) and Ctrl-C that cancels only the running statement.
//
// The command itself (flags, how Sora is reached) is in package cli.
package repl
