// Package sora is the Go client of the Sora HTTP API and owns its wire
// format: the one table of targets (Targets: full names with their API
// version, the metadata actions' short names), one encoder per metadata
// request (AppendPutItemRequest, ...), typed methods for the metadata
// actions, Call for any other target, and the errors of a call.
//
// Every method takes a context, is safe for concurrent use, retries what is
// safe to retry (connection errors, 429, 502, 503, 504; the metadata actions
// are idempotent) with exponential backoff and jitter, and decodes numbers
// exactly (json.Number).
package sora
