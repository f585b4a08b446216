// Package stats is what the sora module reports of a run, as plain data:
// Stats (the calls by action, failures, writes, gone and handled writes),
// the first failed calls (Failure) and the accounting of update_all's
// connections (ConnCounts). Package bindings/sora fills it; the engine
// returns it with every run (also across the isolated child's protocol)
// and the CLI and the scheduler report it. It imports nothing.
package stats
