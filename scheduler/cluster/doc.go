// Package cluster coordinates several soracron daemons (replicas) through
// etcd so that every scheduled tick of a job runs exactly once in the
// cluster, on the replica that claims it.
//
// # Model
//
// Every replica loads the same jobs.yaml and computes the same schedule.
// Before starting a run, a replica claims it with [Cluster.Claim]: one etcd
// transaction that succeeds for exactly one replica. There is no leader:
// each tick is decided by its own transaction.
//
// Not every replica sends every claim: each job has a preferred owner
// among the live replicas ([Cluster.Rank], rendezvous hashing of the job's
// name with the node names in members/, watched), which claims the job's
// ticks when they are due. A replica of rank r claims a tick only r ×
// [Cluster.Grace] later, and only if a read (no write) shows it still
// undecided ([ClaimRequest.IfUndecided]): a dead, stopped, partitioned or
// slow owner is taken over within a grace delay, long before its lease
// expires. The ranking decides who tries when, never who runs: replicas
// that disagree on the members cost a refused transaction or a delay,
// never a duplicate.
//
// A replica holds one etcd session (a lease with a TTL, kept alive by
// [go.etcd.io/etcd/client/v3/concurrency.Session]). Everything that says
// "this replica is alive and running this" is bound to that lease: the
// member key and one running key per run in progress. When the lease
// expires (the process died, was paused, or lost etcd), those keys vanish
// and the other replicas see it.
//
// # Keys
//
// Under the prefix (default "soracron/"):
//
//	last/JOB             the latest scheduled time decided for JOB (no lease)
//	runs/JOB/ID          the compact record of a run, JSON (no lease, bounded per job)
//	active/JOB/ID        a run that started and has not been recorded as ended (no lease)
//	running/JOB/ID       a run in progress and the node running it (session lease)
//	cancel/JOB           written by a replace claim: runs of JOB claimed before it stop (session lease)
//	members/NODE         a live replica (session lease)
//	suspended/JOB        JOB is suspended, since when and by which node (no lease)
//
// IDs sort by time: "<unix nanoseconds of the tick or start>-s" for a
// scheduled run, "...-m-NODE-N" for a manual one, "...-r" for the rerun of a
// lost run, "<unix nanoseconds of the event's timestamp>-e-HASH" for the run
// of an event (HASH of the event's identity, so that every replica the
// event is delivered to claims the same ID: see [Cluster.ClaimEvent]).
//
// # The claim
//
// A scheduled claim is one transaction: if last/JOB is older than the tick
// (last/JOB alone decides: it only grows and is never deleted, so a tick
// at or before it was decided, whatever became of its record), it advances
// last/JOB, writes the record, and, under the job's concurrency policy,
// either writes running/JOB/ID (bound to the session lease) and
// active/JOB/ID (the claim is won: run it), or, when the policy is forbid
// and running/JOB/ is not empty, writes the record as skipped. The winner
// also learns the previous value of last/JOB (the put's previous value), so
// it alone records the ticks in between as missed. A manual run has a
// unique ID and is claimed the same way without last/JOB, if its record
// does not exist. A replica due to claim many ticks at once nests up to
// 64 claims in one transaction ([Cluster.ClaimEach]) and starts each run as
// soon as its transaction is answered. The preferred owner may claim a
// tick shortly before it is due ([ClaimRequest.Early]): the transaction
// then also requires running/JOB/ to be empty, and decides nothing
// ([ErrBusy]) when it is not, so the tick is claimed again when due; an
// early claim takes the round trip to etcd out of the run's start delay.
// The claim of a job's tick waits for
// the end of the job's previous run on this replica to be recorded, if it
// is in flight, so that a run that just ended does not make a forbid job
// skip its next tick. A replace
// claim writes cancel/JOB in the same transaction: the replicas running
// older runs of JOB cancel them, and the new run waits for their running
// keys to vanish ([Claim.WaitPredecessors]).
//
// # Events and suspensions
//
// The run of a job for an event of Sora's webhook is claimed like a manual
// run, but under an ID every replica derives from the event's identity
// ([Cluster.ClaimEvent]): the replicas an event is delivered to claim the
// same runs/JOB/ID, so one of them runs it. A forbid conflict is recorded
// skipped, as for a tick.
//
// A suspended job is the key suspended/JOB, written by the replica asked
// to suspend it ([Cluster.Suspend]) and followed by every replica
// ([Cluster.WatchSuspensions]).
//
// # Known traps, and how this package avoids them
//
//   - A Campaign that outlives its lease: no election decides who runs a
//     tick. Every claim writes its keys with the session lease inside the
//     transaction that decides it, so a replica whose lease has expired
//     cannot win a claim: etcd refuses the lease.
//   - A lock keyed by job name that each replica takes in turn on short
//     jobs: the claim is keyed by (job, tick) and last/JOB outlives the run
//     and the lease, so a replica that comes late to a tick already run and
//     released finds it decided; ticks are never claimed twice, whatever the
//     retention of records.
//   - A leader that never learns it was deposed: besides the client's own
//     keep-alive, a watchdog cancels the session as soon as the local clock
//     passes the last keep-alive answer plus the TTL (minus a margin), which
//     covers a process that was stopped (SIGSTOP, GC pause, VM freeze) and
//     resumes with runs in flight: their contexts are cancelled with
//     [ErrSessionLost] before the client notices. Claims are refused while
//     the session is not valid.
//
// # Lost runs
//
// A record whose active/JOB/ID remains while running/JOB/ID has vanished
// belongs to a run whose replica lost its lease mid-run. Each replica sweeps
// for them when a member key disappears and every TTL; one transaction per
// lost run (compared on the record's revision) lets exactly one survivor
// record it interrupted and, if the job's on_lost is rerun, claim its rerun
// in the same transaction.
//
// # The limit
//
// Sora's API has no compare-and-set, so no fencing token reaches Sora: a
// replica paused past its lease can still send a request it had in flight.
// The window is kept small (runs are cancelled at session loss, the daemon's
// per-request timeouts are shorter than the TTL) but not closed.
package cluster
