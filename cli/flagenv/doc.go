// Package flagenv lets every flag of soracron's command tree be set from
// the environment: --request-timeout is SORACRON_REQUEST_TIMEOUT (Name),
// and each flag's help names its variable.
//
// Precedence: a flag on the command line wins over its variable, which
// wins over jobs.yaml, which wins over the default. A flag set from its
// variable counts as given (pflag's Changed), so the code that lets given
// flags override jobs.yaml treats both alike. Repeatable flags (--header,
// --arg) take one value per line; "true" gives a flag with an optional
// value (--emulator) bare; an empty variable counts as unset. Invalid
// values are usage errors naming the variable, and Explain adds the
// variable to a later error about a flag it set.
//
// Bind walks the tree once, after every command has been added (cli's
// newRootCmd does it).
package flagenv
