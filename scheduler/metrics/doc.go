// Package metrics defines the Prometheus metrics of soracron's daemon, in
// a registry of its own (never the global default registry), served in
// the text format by Handler (`GET /metrics` of the daemon's API).
//
// The daemon (package scheduler) updates the collectors of a Metrics as
// its runs start and end; the Sora client counts its requests through
// ObserveRequest (its sora.Config.OnRequest), so a Metrics is created
// before the client. The per-job state that alerting needs (the last
// success, the next run, suspension) is read from the daemon at each scrape
// through RegisterJobs.
package metrics
