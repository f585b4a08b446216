// Package clusterrun is the daemon's side of cluster mode that does not
// depend on the daemon's state: what a replica asks package cluster, when,
// and what the answers mean. Package scheduler keeps the jobs' state and
// calls these decisions under its lock; nothing here imports it.
//
// # Claims
//
// Every due tick, manual run and early claim is a cluster.ClaimRequest
// built from the job (TickRequest, ManualRequest, EarlyRequest) with the
// job's concurrency policy mapped to the cluster's (Policy). The job's
// preferred owner (rank 0) claims a tick at once; a replica of rank r
// takes it over TakeOverDelay later if it is still undecided then
// (TakeOver waits for the delays, shortest first, and hands each group to
// the daemon). A claim won means a run, a skip or a missed tick (Decide);
// when the winner finds ticks decided by nobody since the job's previous
// one, it records them missed (MissedBefore).
//
// # Early claims
//
// The preferred owner of a job claims its next tick shortly before it is
// due (EarlyLead, at most half the interval since the previous tick), if
// no run of the job is in progress then, so that the round trip to etcd is
// not part of the run's start delay (EarlyTiming says when). An Early holds
// the answer: when the tick comes the run starts at once on it, or, when
// it decided nothing (Decided), the tick is claimed as usual. A claim won
// early whose tick is not dispatched is released (Early.Unused).
//
// # Ends and lost runs
//
// The end of a run is recorded in the cluster as Finished says; a claim
// whose run did not start as NotStarted. A run lost with its replica is
// recorded interrupted on every replica (LostRun), and rerun on the one
// that claimed its rerun (on_lost: rerun).
package clusterrun
