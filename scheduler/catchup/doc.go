// Package catchup is the arithmetic of a job's ticks for the daemon: the
// next tick after a time, and what becomes of the ticks that came while
// nothing could start them (the daemon was down or paused; in cluster
// mode, no replica held an etcd session).
//
// When several ticks of a job are due at once, the latest of them
// (LatestDue) runs if the job's catch_up and starting_deadline allow
// (Reason says why not); the others are missed. The missed ticks are
// recorded in the history one by one, the newest MaxRecords of them
// (Ticks); an older remainder is counted in one more row (Rows).
//
// Everything here is a pure function of a jobs.Job and times: the daemon
// (package scheduler) keeps the state, counts the metrics and writes the
// rows.
package catchup
