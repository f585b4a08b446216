// Package eventq is the daemon's intake of Sora's event webhook: the
// events the HTTP API received, waiting for the runs they start.
//
// A Queue takes each Event at once and answers what became of it:
// accepted, a duplicate of an event received before (ErrDuplicate; the
// keys of the last 100,000 events are remembered), refused because too
// many events are waiting (ErrQueueFull: the bound is event_webhook.queue,
// and an event counts until the runs it started have ended), or refused
// because the daemon cannot claim runs now (cluster mode without an etcd
// session). An event no job runs on is accepted and forgotten.
//
// The runs of one connection (its channel and connection ids: its lane)
// start in the order their events arrived, each after the previous one
// has ended; the lanes of different connections run concurrently, each in
// a goroutine of its own that ends when its lane is empty.
//
// The queue knows nothing of jobs, runs or metrics: the daemon (package
// scheduler) gives it Hooks that match an event to its jobs, start a run,
// run goroutines it waits for at shutdown, and count events.
package eventq
