// Package clock is the time source of soracron's daemon: when jobs are
// due, retry backoffs and the shutdown grace period are measured on a
// Clock, so tests inject a fake one (internal/clocktest) and run a day of
// schedule in no real time. System is the real clock. Script timeouts are
// not on it: the engine enforces them in real time.
package clock
