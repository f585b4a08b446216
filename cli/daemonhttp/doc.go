// Package daemonhttp assembles the HTTP servers of `soracron serve`: on
// --listen, the API (package scheduler/api) and the dashboard
// (scheduler/ui) behind the token and the Host-header guard, with the time
// limits of a server exposed to the network; on --metrics-listen, GET
// /metrics alone, without a token.
//
// The handlers themselves belong to the scheduler's packages; this package
// only decides which path needs what, so that the rules of the token are
// in one place. serve (package cli) owns the listeners' lifetimes.
package daemonhttp
