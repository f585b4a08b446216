// Package sora is the Go client of the Sora HTTP API and owns its wire
// format: the one table of targets (Targets: full names with their API
// version, the metadata actions' short names), one encoder per metadata
// request (AppendPutItemRequest, ...), typed methods for the metadata
// actions, Call for any other target, and the errors of a call.
//
// Every method takes a context, is safe for concurrent use and decodes
// numbers exactly (json.Number). It retries, with exponential backoff and
// jitter, what is safe to retry for the target (its RetryClass in the table):
// a failure that proves the request was not applied (not sent, 429, 503) is
// retried for every target; a failure after which it may have been applied
// (timeout or reset after sending, 502, 504) only for idempotent targets
// (the metadata actions, List*, Get*), not for Push* (the push would be
// delivered again) or Disconnect* unless Config.RetryAmbiguous says so; a
// Disconnect* retried after such a failure that answers connection_not_found
// succeeds. Retry-After is honoured up to Config.MaxRetryAfter and never past
// the context's deadline. Redirects are reported, never followed.
package sora
