// Package fanout hands the changes of soracron's daemon (runs started and
// finished, log lines, jobs suspended or reloaded) to their live viewers
// (the dashboard's Server-Sent Events) without ever blocking a run: each
// subscriber has a buffer, and a subscriber that lags behind by more than
// it loses values (counted by Subscription.Dropped) rather than slowing the
// sender down. The daemon sends Change values through a Hub (a generic
// one: any type of value fans out the same way).
package fanout
