// Package daemonclient is the client side of serve's HTTP API, for the
// commands that talk to a running daemon (jobs, runs, logs, trigger,
// suspend, resume, healthcheck): a Client that sends the requests with the
// bearer token and turns error replies into an *APIError, and the rendering
// of the answers for a terminal (kubectl-style tables with ages such as
// "3m", log lines as "TIME LEVEL msg key=value") or as indented JSON.
//
// The command definitions (flags, help, arguments) stay in package cli; a
// command there checks its flags, makes a Client with New and hands the
// answer to the renderer here. Errors carry their exit codes (package
// exitcode): WithExitCode makes a refused request (400, 404) a usage error
// and anything else a failure; Outcome maps the outcome of a finished run to
// the codes of 'soracron run'.
package daemonclient
