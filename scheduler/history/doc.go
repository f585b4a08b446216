// Package history is the run-history store of the soracron scheduler daemon.
//
// Every run of a job (scheduled, manual or skipped) is one row in a SQLite
// database (pure Go, modernc.org/sqlite) at the daemon's --state path, together
// with the run's captured log lines. The database runs in WAL mode with
// synchronous=NORMAL, a busy timeout and foreign keys enabled; a committed run
// survives a crash of the process (but the last transactions may be lost on a
// power failure, which is acceptable for history).
//
// Times are stored as INTEGER unix nanoseconds (UTC), NULL for the zero time,
// and are read back as UTC time.Time values (so only years 1678 to 2262 are
// representable).
//
// All writes go through a single connection (SQLite has one writer; a pool
// would only add lock contention) and a single writer goroutine that commits
// them in groups: the Begin, Finish and Skip calls queued while a transaction
// is being written are written together in the next one (up to
// Options.MaxBatch), with prepared statements. Each call returns once its
// write is committed, so batching changes no guarantee: a run whose id Begin
// returned is on disk and is marked interrupted by the next Open if the
// process dies before its Finish is committed; a run whose Begin had not
// been committed yet when the process died leaves no trace, and neither does
// its Finish, which needs the id. Close commits the writes already queued.
// Reads use a separate pool of query_only connections, which WAL lets proceed
// while a write is in progress.
//
// Only one process may use a state file at a time: Open takes an exclusive,
// non-blocking lock on PATH.lock and fails at once with an error matching
// ErrLocked when another process holds it.
//
// History is pruned per job and per kind of run, so that runs of one kind
// never evict those of another (a job skipped every second keeps its
// failures): the newest Options.KeepOK runs that ended ok, KeepFailed that
// ended otherwise (partial, failed, timeout, cancelled, interrupted, ...) and
// KeepSkipped skipped ones, with their log lines; a run still in progress is
// never deleted, however old. To keep Finish cheap at high rates the pruning
// is amortized: a job is pruned (each kind down to exactly its limit) in the
// transaction of every Options.PruneEvery-th Finish or Skip of that job (an
// indexed delete of about PruneEvery rows), and every job is pruned exactly
// at Open. Between prunes a kind of a job therefore holds at most its limit
// plus PruneEvery-1 runs.
package history
