// Package runlog is the logger of one run of the daemon: what the script
// and the daemon log about a run goes both to the daemon's log (stderr)
// and to the run's history.LogBuffer, which is stored with the run.
//
// A run's script starts before its history row exists (the row is created
// concurrently, so that a burst of due runs does not wait in line for the
// database): the run's lines on the daemon's log carry its run_id, so the
// first line written waits for the ID (see ID), and runs that log nothing
// cost no handler derivation. Once the LogBuffer reaches its cap (of lines
// and bytes) and drops lines, one warning says so on the daemon's log and
// further lines are only counted in the history, so a script logging in a
// loop does not fill the daemon's stderr either. Live holds the buffers of
// the running runs, whose lines so far the API and the dashboard show.
package runlog
