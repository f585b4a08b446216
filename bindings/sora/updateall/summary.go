package updateall

import (
	"slices"

	"github.com/soracron/soracron/bindings/plan"
	"github.com/soracron/soracron/bindings/sora/soraerr"
	"github.com/soracron/soracron/bindings/sora/stats"
)

// Change is what the callback of UpdateAll asks for one connection.
type Change struct {
	// ConnectionID names the connection.
	ConnectionID string
	// Writes are the connection's writes (put_item and delete_item requests
	// of the channel), sent one after the other; none leaves the connection
	// alone.
	Writes []*plan.Request
	// Orig is the connection's metadata as read before the change
	// (canonical JSON object); a dry run seeds its overlay with it when the
	// connection has no entry yet.
	Orig []byte
}

// WriteError is a connection whose writes failed in UpdateAll.
type WriteError struct {
	// ConnectionID is the connection, Key the key of the failed write.
	ConnectionID, Key string
	// Target is the failed request's target.
	Target string
	// Err is the failure.
	Err error
}

// Summary is the outcome of UpdateAll. Every connection is exactly
// one of unchanged, written, failed, gone or not reached:
// Unchanged+len(Written)+Failed+len(Gone)+len(NotReached) == Connections.
type Summary struct {
	// Connections is the number of connections considered.
	Connections int
	// Changed counts the connections with at least one write.
	Changed int
	// Unchanged counts the connections left alone (nothing to write, or
	// skipped by the callback).
	Unchanged int
	// Writes counts the writes made (planned in a dry run).
	Writes int
	// Failed counts the connections with a write that failed after the
	// client's retries, or was cut off by the end of the run.
	Failed int
	// Errors are the failures, in the order they were seen.
	Errors []WriteError
	// Written lists, sorted, the changed connections whose writes all
	// succeeded; NotWritten the failed ones.
	Written, NotWritten []string
	// Gone lists, sorted, the connections whose write found them no longer
	// in the channel (connection_not_found): not a failure.
	Gone []string
	// NotReached lists, sorted, the connections whose change was never
	// sent (or never computed) because the run ended first.
	NotReached []string
	// Stopped is true when ctx ended before every change was sent.
	Stopped bool
}

// Counts returns the summary's connection accounting, as the run's Stats
// add it up.
func (sum *Summary) Counts() stats.ConnCounts {
	return stats.ConnCounts{Connections: sum.Connections, Unchanged: sum.Unchanged, Written: len(sum.Written),
		Failed: sum.Failed, Gone: len(sum.Gone), NotReached: len(sum.NotReached)}
}

// Done accounts for the task t of one connection's writes once it has
// ended: written, not reached (never sent), gone or failed. It is plain Go
// (no LState): the pool also calls it for the tasks in flight when a Lua
// error unwinds.
func (sum *Summary) Done(t *plan.Task) {
	id := t.Reqs[0].ConnectionID
	sum.Writes += t.Done
	switch {
	case t.Err == nil:
		sum.Written = append(sum.Written, id)
	case soraerr.IsUnsent(t.Err):
		sum.NotReached = append(sum.NotReached, id)
	case soraerr.IsGone(t.Err):
		sum.Gone = append(sum.Gone, id)
	default:
		sum.Failed++
		sum.NotWritten = append(sum.NotWritten, id)
		sum.Errors = append(sum.Errors, WriteError{ConnectionID: id, Key: t.Failed.Key, Target: t.Failed.Target, Err: t.Err})
	}
}

// Finish completes sum once the connections have been sent or abandoned:
// the connections from next to n-1 (id(k) names the k-th) were never
// reached; the lists are sorted.
func (sum *Summary) Finish(n, next int, id func(int) string) {
	for k := next; k < n; k++ {
		sum.NotReached = append(sum.NotReached, id(k))
	}
	for _, l := range [][]string{sum.Written, sum.NotWritten, sum.Gone, sum.NotReached} {
		slices.Sort(l)
	}
}
