// Package soraconn owns how a command reaches Sora (run, repl, serve): the
// flags that say where Sora is and how to talk to it (--sora-url, --header,
// --header-file, --request-timeout, --retries, --retry-ambiguous,
// --max-reply-size, the TLS flags), $SORA_API_TOKEN, and the in-process
// emulator of --emulator[=FIXTURE] as a Target.
//
// Credentials stay off the command line: for each header name, --header
// wins over --header-file (a secret file, package secretfile), which wins
// over "Authorization: Bearer $SORA_API_TOKEN". Connect turns the flags into
// a sora.Client for run and repl; Override lays the flags that were given
// over the sora section of jobs.yaml for serve and run --job, and adds the
// header values it sets to the values redacted from logs; ClientConfig
// is the client configuration of that section.
//
// Errors that end a command carry their exit codes (package exitcode).
package soraconn
