package cli

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"

	"github.com/spf13/pflag"

	"github.com/soracron/soracron/emulator"
)

// demoFixture is the channel a bare --emulator starts with.
//
//go:embed demo.yaml
var demoFixture []byte

// startEmbeddedEmulator starts the emulator in-process on a loopback port,
// loaded with fixture (a file) or, for noFixture (a bare --emulator), the
// demo channel.
func startEmbeddedEmulator(fixture string) (*target, error) {
	e := emulator.New(emulator.Options{})
	var err error
	if fixture == noFixture {
		err = e.LoadFixtureYAML(demoFixture)
	} else {
		err = e.LoadFixture(fixture)
	}
	if err != nil {
		return nil, usageErr(fmt.Errorf("emulator: %w", err))
	}
	srv, err := emulator.Start(e, "127.0.0.1:0")
	if err != nil {
		return nil, failErr(fmt.Errorf("emulator: %w", err))
	}
	return &target{
		url:  srv.URL,
		dump: func(w io.Writer) { dumpEmulator(w, e) },
		dumpJSON: func(l *slog.Logger) {
			l.Info("emulator metadata after the run", slog.Any("connections", emulatorState(e)))
		},
		close: func() { _ = srv.Close() },
	}, nil
}

// dumpEmulator prints the metadata the emulator holds, one connection a line.
func dumpEmulator(w io.Writer, e *emulator.Emulator) {
	fmt.Fprintln(w, "emulator metadata after the run:")
	for _, ch := range e.Channels() {
		for _, c := range e.Connections(ch.ChannelID) {
			md, _ := json.Marshal(c.Metadata)
			fmt.Fprintf(w, "  %s %s %s\n", ch.ChannelID, c.ConnectionID, md)
		}
	}
}

// emulatorConn is one connection in the JSON dump of the emulator.
type emulatorConn struct {
	ChannelID    string          `json:"channel_id"`
	ConnectionID string          `json:"connection_id"`
	Metadata     json.RawMessage `json:"metadata"`
}

// emulatorState lists the connections the emulator holds with their metadata.
func emulatorState(e *emulator.Emulator) []emulatorConn {
	out := []emulatorConn{}
	for _, ch := range e.Channels() {
		for _, c := range e.Connections(ch.ChannelID) {
			md, _ := json.Marshal(c.Metadata)
			out = append(out, emulatorConn{ChannelID: ch.ChannelID, ConnectionID: c.ConnectionID, Metadata: md})
		}
	}
	return out
}

// emulatorFlag registers --emulator[=FIXTURE]: a bare --emulator is the
// demo channel (noFixture), --emulator=FILE a fixture file.
func emulatorFlag(fs *pflag.FlagSet, v *string, usage string) {
	fs.StringVar(v, "emulator", "", usage+" (its demo channel \"sora\"); --emulator=FILE loads a fixture instead")
	fs.Lookup("emulator").NoOptDefVal = noFixture
}
