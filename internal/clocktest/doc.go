// Package clocktest is the fake clock of the tests: its time moves only when
// a test calls Advance, and its timers fire then, so a test of a daemon's
// schedule, retries or shutdown runs in no real time and never depends on
// how fast the machine is.
//
// A Clock has the methods of scheduler/clock.Clock except that NewTimer returns a
// *Timer; a test wraps it in a one-line adapter whose NewTimer returns the
// interface (the package imports nothing of the project, so every package's
// tests may use it).
package clocktest
