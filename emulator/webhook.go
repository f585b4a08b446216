package emulator

import (
	"context"
	"errors"
	"fmt"

	"github.com/soracron/soracron/emulator/webhook"
)

// The event webhook (package webhook delivers it): the events of
// connections, queued under the connection's shard lock so that one
// connection's events keep their order.

// event queues an event of c; a no-op without an event webhook. The caller
// holds c's shard lock.
func (e *Emulator) event(typ string, c *conn) {
	if e.webhook == nil {
		return
	}
	c.mu.Lock()
	md := c.enc
	c.mu.Unlock()
	e.webhook.Enqueue(webhook.Event{
		Type: typ, ID: e.newID(nil), Timestamp: e.now().UTC().Format("2006-01-02T15:04:05.000000Z"),
		ChannelID: c.channelID, SessionID: c.sessionID, ClientID: c.clientID, BundleID: c.bundleID,
		ConnectionID: c.id, Role: c.role, Metadata: md,
	})
}

// WebhookStats returns the counts of the event webhook's deliveries (zero
// without an event webhook).
func (e *Emulator) WebhookStats() webhook.Stats {
	if e.webhook == nil {
		return webhook.Stats{}
	}
	return e.webhook.Stats()
}

// errNoConnection is returned by ConnectionUpdated for an unknown connection.
var errNoConnection = errors.New("no such connection")

// ConnectionUpdated sends the event connection.updated of a connection
// (Sora sends it while a connection lasts; the emulator when asked).
func (e *Emulator) ConnectionUpdated(channelID, connectionID string) error {
	s := e.shard(channelID)
	s.mu.RLock()
	defer s.mu.RUnlock()
	var c *conn
	if ch := s.channels[channelID]; ch != nil {
		c = ch.conns[connectionID]
	}
	if c == nil {
		return fmt.Errorf("channel %q connection %q: %w", channelID, connectionID, errNoConnection)
	}
	e.event(webhook.ConnectionUpdated, c)
	return nil
}

// Close stops the event webhook after delivering the events still queued,
// waiting until ctx ends. An Emulator without an event webhook has nothing
// to close.
func (e *Emulator) Close(ctx context.Context) error {
	if e.webhook == nil {
		return nil
	}
	return e.webhook.Close(ctx)
}
