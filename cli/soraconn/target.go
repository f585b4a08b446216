package soraconn

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/spf13/pflag"

	"github.com/soracron/soracron/cli/exitcode"
	"github.com/soracron/soracron/emulator"
)

// NoFixture is the value of a bare --emulator: the built-in demo channel.
// A fixture file named "demo" is given as ./demo.
const NoFixture = "demo"

// Target is where a command sends its requests, and how to show the
// emulator's state at the end.
type Target struct {
	// URL is Sora's API URL (the emulator's on a loopback port).
	URL string
	// Dump writes the emulator's metadata as text (nothing for a real Sora).
	Dump func(io.Writer)
	// DumpJSON logs it; nil when there is nothing to dump.
	DumpJSON func(*slog.Logger)
	// Close stops the in-process emulator (nothing for a real Sora).
	Close func()
}

// Remote is the target of a Sora at url.
func Remote(url string) *Target {
	return &Target{URL: url, Dump: func(io.Writer) {}, Close: func() {}}
}

// Resolve starts the in-process emulator (emulatorFlag, the value of
// --emulator) or resolves the Sora URL: soraURL (--sora-url), else
// $SORA_URL (read with getenv). Errors carry their exit codes.
func Resolve(getenv func(string) string, soraURL, emulatorFlag string) (*Target, error) {
	if emulatorFlag != "" {
		if soraURL != "" {
			return nil, exitcode.UsageError(errors.New("give either --sora-url or --emulator, not both"))
		}
		return StartEmulator(emulatorFlag)
	}
	url := soraURL
	if url == "" {
		url = getenv("SORA_URL")
	}
	if url == "" {
		return nil, exitcode.UsageError(errors.New("no Sora API URL: give --sora-url, set SORA_URL, or use --emulator to run against the built-in emulator"))
	}
	return Remote(url), nil
}

// demoFixture is the channel a bare --emulator starts with.
//
//go:embed demo.yaml
var demoFixture []byte

// StartEmulator starts the emulator in-process on a loopback port, loaded
// with fixture (a file) or, for NoFixture (a bare --emulator), the demo
// channel. Errors carry their exit codes.
func StartEmulator(fixture string) (*Target, error) {
	e := emulator.New(emulator.Options{})
	var err error
	if fixture == NoFixture {
		err = e.LoadFixtureYAML(demoFixture)
	} else {
		err = e.LoadFixture(fixture)
	}
	if err != nil {
		return nil, exitcode.UsageError(fmt.Errorf("emulator: %w", err))
	}
	srv, err := emulator.Start(e, "127.0.0.1:0")
	if err != nil {
		return nil, exitcode.Failed(fmt.Errorf("emulator: %w", err))
	}
	return &Target{
		URL:  srv.URL,
		Dump: func(w io.Writer) { dumpEmulator(w, e) },
		DumpJSON: func(l *slog.Logger) {
			l.Info("emulator metadata after the run", slog.Any("connections", emulatorState(e)))
		},
		Close: func() { _ = srv.Close() },
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

// EmulatorFlag registers --emulator[=FIXTURE] on fs, into v: a bare
// --emulator is the demo channel (NoFixture), --emulator=FILE a fixture
// file. usage says what the flag does for the command.
func EmulatorFlag(fs *pflag.FlagSet, v *string, usage string) {
	fs.StringVar(v, "emulator", "", usage+" (its demo channel \"sora\"); --emulator=FILE loads a fixture instead")
	fs.Lookup("emulator").NoOptDefVal = NoFixture
}
