// Package webhook is the emulator's event webhook: Sora POSTs an event to
// its event_webhook_url when a connection is created, updated or destroyed,
// and a Sender does the same for the emulator, asynchronously, in order per
// connection, retrying a failed delivery a few times before it gives up and
// counts it.
//
// Like the rest of the emulator, it imports nothing of the project.
package webhook
