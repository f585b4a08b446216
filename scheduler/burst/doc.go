// Package burst keeps the starts of many runs due at the same instant (a
// thousand jobs on "@every 1s") fast. The daemon (package scheduler) uses
// both of its parts:
//
//   - the start Gate holds the history writes and the bookkeeping of the
//     runs back while runs are starting, so the CPU goes to starting their
//     scripts first;
//   - the prewarm Loop builds the sandboxes of the runs due within Ahead
//     while no run is starting, when the Runner is a Prewarmer, and
//     collects the garbage of a burst once its runs have started.
package burst
