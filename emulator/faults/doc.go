// Package faults is what the emulator does wrong on purpose, to show how a
// client copes with a Sora that is slow, flaky or down: per set of targets,
// hang (stop answering), add latency, drop the connection, fail with an
// error status, or apply a request and then drop its reply.
//
// A Set is the faults in force: a seed and rules, checked in order, the
// first whose targets include the request's applying. It is plain data,
// JSON as the admin API's PUT /emulator/faults takes it (Input, with its
// one-rule shorthand) and returns it (Reply). An Injector holds the Set in
// force and makes the Decision for each request of the Sora API; it
// counts what it injected (Stats).
//
// Faults are repeatable: what happens to a request depends only on the
// seed, the request (its target and body) and how many identical requests
// came before it, never on timing or the order of concurrent requests.
//
// Like the rest of the emulator, it imports nothing of the project but the
// emulator's own target table (to resolve the targets of a rule).
package faults
