// Package suspension keeps the suspensions of jobs for the daemon: where
// they are stored, the order of concurrent changes, and, in cluster mode,
// following them.
//
// A suspended job's scheduled ticks start no run until it is resumed,
// across restarts and reloads. A single node keeps its suspensions in its
// history database (package scheduler/history); the replicas of a
// cluster keep them in etcd (package scheduler/cluster), where every
// replica follows them (Follow): a job suspended or resumed through any
// replica is so on every one within moments. The suspensions a replica's
// own history holds are then ignored (Load names them, so the daemon can
// warn).
//
// A Keeper writes each change first and then hands it to the daemon
// (Hooks.Apply), under one lock, so that the daemon's memory follows the
// store in the order of the writes. It knows nothing of jobs or runs.
package suspension
