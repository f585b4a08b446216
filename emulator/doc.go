// Package emulator is an in-memory emulator of the Sora HTTP API: the six
// signaling notify metadata actions (Sora_20201124), the neighbouring targets
// an automation script reaches for (ListConnections, ListChannels,
// ListChannelConnections, the four Push* and the four Disconnect* targets,
// with the versions Shiguredo's tools send), push deliveries recorded and
// streamed, and an admin API under /emulator/ to add and remove connections.
//
// An *Emulator is an http.Handler: `POST /` with an x-sora-target header is
// the Sora API; `OPTIONS /` answers CORS preflights; /emulator/... is the
// admin API. Start serves it on a TCP address.
//
// This package owns the state (channels, connections, their metadata), the
// actions on it and the two HTTP faces. Its parts, each a package under
// emulator/ that imports nothing outside it:
//
//   - target: the one table of the targets served on `POST /`;
//   - faults: what it does wrong on purpose (SetFaults, Options.Faults,
//     /emulator/faults): fail, drop, delay, stop answering, or apply and
//     then drop the reply of Sora API requests, repeatably;
//   - push: the push messages and the ring that records and streams them;
//   - webhook: the event webhook (connection.created, .updated, .destroyed);
//   - fixture: the fixture files (LoadFixture);
//   - internal/jsonscan: the reflection-free JSON scanning and writing of
//     the request hot path.
//
// State is sharded by channel and locked per connection, so concurrent
// requests on different connections do not wait for each other. Metadata is
// kept as raw JSON, so numbers round-trip byte for byte.
//
// The emulator imports nothing of the project (not even the client's
// target table: e2e pins the two equal), so a client bug is not mirrored
// by the server.
package emulator
