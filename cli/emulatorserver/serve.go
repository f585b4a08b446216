package emulatorserver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/soracron/soracron/cli/exitcode"
	"github.com/soracron/soracron/emulator"
	"github.com/soracron/soracron/emulator/webhook"
	"github.com/soracron/soracron/internal/syncio"
)

// generateSpec is one --generate CHANNEL=COUNT.
type generateSpec struct {
	channel string
	count   int
}

func parseGenerate(v string) (generateSpec, error) {
	i := strings.LastIndexByte(v, '=')
	if i <= 0 {
		return generateSpec{}, fmt.Errorf("--generate %q: want CHANNEL=COUNT, e.g. sora=100", v)
	}
	n, err := strconv.Atoi(v[i+1:])
	if err != nil || n < 1 || n > 1000000 {
		return generateSpec{}, fmt.Errorf("--generate %q: COUNT must be a whole number from 1 to 1000000", v)
	}
	return generateSpec{channel: v[:i], count: n}, nil
}

// Serve runs the emulator of o on o.Listen until ctx ends, writing its
// start-up lines and logs to stderr; loopback says whether o.Listen only
// accepts local connections (else it warns that anyone can change
// metadata). Errors carry their exit codes: a bad flag is a usage error.
func Serve(ctx context.Context, stderr io.Writer, o Options, loopback bool) error {
	var gens []generateSpec
	for _, v := range o.Generate {
		g, err := parseGenerate(v)
		if err != nil {
			return exitcode.UsageError(err)
		}
		gens = append(gens, g)
	}
	faultSeed := uint64(o.Seed)
	if faultSeed == 0 {
		faultSeed = rand.Uint64()
	}
	faults, err := o.Faults.faults(faultSeed)
	if err != nil {
		return exitcode.UsageError(err)
	}
	if o.WebhookURL != "" {
		if err := webhook.ValidateURL(o.WebhookURL); err != nil {
			return exitcode.UsageError(fmt.Errorf("--event-webhook-url: %w", err))
		}
	}
	// The server's goroutines and ours write to stderr.
	stderr = syncio.NewWriter(stderr)
	level := slog.LevelInfo // changes made through the admin API
	if o.LogRequests {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	e := emulator.New(emulator.Options{CORSOrigin: o.CORSOrigin, Logger: logger, Seed: o.Seed, EventWebhookURL: o.WebhookURL})
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := e.Close(ctx); err != nil {
			fmt.Fprintf(stderr, "soracron emulator: %v\n", err)
		}
	}()
	if o.WebhookURL != "" {
		fmt.Fprintf(stderr, "soracron emulator: sending event webhooks to %s\n", redactURL(o.WebhookURL))
	}
	if faults != nil {
		if err := e.SetFaults(*faults); err != nil {
			return exitcode.UsageError(err)
		}
		fmt.Fprintf(stderr, "soracron emulator: %s\n", describeFaults(faults))
	}
	if o.Fixture != "" {
		if err := e.LoadFixture(o.Fixture); err != nil {
			return exitcode.UsageError(err)
		}
		fmt.Fprintf(stderr, "soracron emulator: loaded fixture %s\n", o.Fixture)
	}
	for _, g := range gens {
		e.Generate(g.channel, g.count)
	}
	channels := e.Channels()
	if len(channels) == 0 {
		fmt.Fprintln(stderr, "soracron emulator: no connections yet (add some with POST /emulator/connections)")
	}
	for _, c := range channels {
		fmt.Fprintf(stderr, "soracron emulator: channel %q: %d connections%s\n", c.ChannelID, c.Connections, someIDs(e, c.ChannelID))
	}
	if !loopback {
		fmt.Fprintf(stderr, "soracron emulator: warning: %s is not a loopback address: anyone who can reach it can read and change metadata (there is no authentication)\n", o.Listen)
	}
	srv, err := emulator.Start(e, o.Listen)
	if err != nil {
		return exitcode.Failed(err)
	}
	fmt.Fprintf(stderr, "soracron emulator listening on %s\n", srv.URL)
	select {
	case <-ctx.Done():
	case <-srv.Done():
	}
	err = srv.Close()
	fmt.Fprintln(stderr, "soracron emulator: stopped")
	if err != nil {
		return exitcode.Failed(err)
	}
	select {
	case <-ctx.Done():
		return nil
	default:
		return exitcode.Failed(errors.New("emulator: server stopped unexpectedly"))
	}
}

// redactURL hides the password of a URL's user:password.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return s
	}
	return u.Redacted()
}

// someIDs lists the first connection ids of a channel, so an operator can
// reproduce requests with curl at once.
func someIDs(e *emulator.Emulator, channelID string) string {
	const show = 3
	conns := e.Connections(channelID)
	ids := make([]string, 0, show)
	for _, c := range conns[:min(show, len(conns))] {
		ids = append(ids, c.ConnectionID)
	}
	more := ""
	if len(conns) > show {
		more = ", ..."
	}
	return " (" + strings.Join(ids, ", ") + more + ")"
}
