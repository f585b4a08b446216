// Package redact keeps the secret values of soracron's configuration
// (sora.headers, the password of the Sora URL) out of what the daemon
// writes: its log, the errors it returns, and the runs it records.
//
// A Redactor holds the secrets and replaces each by Redacted, longest
// first: in a string (String), in the strings and keys of a JSON document
// (JSON, which finds a secret however it is escaped), and in every record
// of a slog.Handler (Handler), whose messages and string values it also
// cuts to history.MaxLogValueBytes, so a script's 30 MB error is not
// written whole. Secrets are only ever added: a reload does not change the
// Sora client, which keeps sending the old ones.
package redact
