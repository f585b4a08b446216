package emulator

import (
	"fmt"
	"os"

	"github.com/soracron/soracron/emulator/fixture"
)

// LoadFixture reads a fixture file and adds its connections.
func (e *Emulator) LoadFixture(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("fixture: %w", err)
	}
	if err := e.loadFixture(data); err != nil {
		return fmt.Errorf("fixture %s: %w", path, err)
	}
	return nil
}

// LoadFixtureYAML adds the connections of a fixture given as YAML. The
// whole fixture is checked before anything is added; a connection id that
// is already connected fails its channel and the channels after it.
func (e *Emulator) LoadFixtureYAML(data []byte) error {
	if err := e.loadFixture(data); err != nil {
		return fmt.Errorf("fixture: %w", err)
	}
	return nil
}

// loadFixture adds the connections of a fixture (package fixture reads it),
// all of them checked and built before any is added.
func (e *Emulator) loadFixture(data []byte) error {
	type batch struct {
		channel string
		conns   []*conn
	}
	var batches []batch
	err := fixture.Parse(data, func(channelID string, c fixture.Connection) error {
		nc, err := e.newConn(Connection{ChannelID: channelID, ConnectionID: c.ConnectionID, ClientID: c.ClientID,
			BundleID: c.BundleID, Role: c.Role, Metadata: c.Metadata})
		if err != nil {
			return err
		}
		if len(batches) == 0 || batches[len(batches)-1].channel != channelID {
			batches = append(batches, batch{channel: channelID})
		}
		b := &batches[len(batches)-1]
		b.conns = append(b.conns, nc)
		return nil
	})
	if err != nil {
		return err
	}
	for _, b := range batches {
		if err := e.addConns(b.channel, b.conns); err != nil {
			return err
		}
	}
	return nil
}
