// Package notify delivers the daemon's notifications (a job failed, timed
// out, was interrupted, missed its schedule, ended partial, or recovered)
// to webhooks, in the background.
//
// Which runs notify whom: Event says what a run's outcome tells (a bad
// outcome, Bad, or the recovery of an ok run after a bad one), Targets
// which webhooks of the notify section and of the job want it.
//
// Send never blocks: it hands a Message for a receiver to a goroutine of
// its own and returns. Each message is POSTed as JSON, a failed delivery (a
// network error, a timeout or a status other than 2xx) retried with
// exponential backoff; a receiver that hangs or fails delays neither the
// scheduler nor the other receivers. Requests in flight are bounded
// (Options.Workers); beyond Options.Queue messages in delivery, new ones
// are dropped. Every final
// result is counted through Options.OnDelivery ("ok", "failed" or
// "dropped") and failures are logged with the receiver's host only (its
// URL may carry a secret).
//
// The body (NewMessage builds it from the run as recorded) is a small JSON
// document with a "text" field, so Slack- and Teams-compatible incoming
// webhooks show a readable line:
//
//	{"event": "failed", "job": "mark-busy", "run_id": 42, "outcome": "failed",
//	 "trigger": "schedule", "error": "...", "scheduled": "...", "start": "...",
//	 "end": "...", "url": "https://cron.example.com/ui/runs/42",
//	 "text": "soracron: job mark-busy failed (run 42): ... https://cron.example.com/ui/runs/42"}
package notify
