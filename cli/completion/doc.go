// Package completion completes flag values and arguments in the shells
// (cobra's `soracron completion bash|zsh|fish`): the fixed values of
// --log-format and --log-level, *.yaml files for --config and --emulator,
// *.lua files for scripts, and job names, read leniently from the jobs
// file of --config, $SORACRON_CONFIG or jobs.yaml (only the names are
// needed, and ${VAR}s need not be set while typing).
//
// A command says what its positional arguments are with the annotation
// Args ("job" or "lua"); Register gives every command of the tree its
// completions.
package completion
