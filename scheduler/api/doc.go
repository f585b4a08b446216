// Package api is the HTTP API of soracron's daemon (`soracron serve
// --listen`): health, Prometheus metrics, the jobs with their next and last
// runs, manual runs and the run history, as JSON. Handler wraps a running
// *scheduler.Scheduler; the scheduler knows nothing of HTTP.
//
// Every reply carries X-Content-Type-Options: nosniff and Cache-Control:
// no-store; with Options.Token set, every request must carry
// "Authorization: Bearer TOKEN" (compared in constant time) or gets 401.
// Every handler sits behind Guard: unexpected Host names and cross-origin
// state-changing browser requests get 403.
package api
