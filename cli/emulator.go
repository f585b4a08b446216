package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/soracron/soracron/emulator"
	"github.com/soracron/soracron/emulator/webhook"
	"github.com/soracron/soracron/internal/syncio"
)

// emulatorOptions are the flags of `soracron emulator`.
type emulatorOptions struct {
	listen      string
	fixture     string
	generate    []string
	corsOrigin  string
	seed        int64
	logRequests bool
	webhookURL  string
	faults      faultFlags
}

// faultFlags are the fault-injection flags of `soracron emulator`: one
// rule, for the targets of --fault-target or for all.
type faultFlags struct {
	failRate   float64
	failStatus int
	targets    []string
	latency    string
	dropRate   float64
	dropAfter  float64
	hang       bool
}

func newEmulatorCmd(app *App) *cobra.Command {
	var o emulatorOptions
	cmd := &cobra.Command{
		Use:   "emulator",
		Short: "Serve an in-memory emulator of the Sora API (for trying scripts and for tests)",
		Long: `Serve an in-memory emulator of the Sora HTTP API: the six signaling notify
metadata actions (List, Get, Put, Delete, PutItem, DeleteItem; target version
Sora_20201124), ListConnections, ListChannels, ListChannelConnections,
PushChannel, PushConnection, PushClient, PushChannelByRole,
DisconnectConnection, DisconnectClient, DisconnectChannel and
DisconnectChannelByRole, with the versions Shiguredo's tools send, replying as
Sora does (errors are JSON {"error_type", "message"}). By default it listens on 127.0.0.1:3000,
Sora's default API address, so scripts and tools aimed at a local Sora reach
it without touching a real server.

The emulator starts empty. Add connections with a fixture file (--fixture),
with --generate CHANNEL=COUNT, or while it runs through the admin API:

  POST   /emulator/connections                  {"channel_id":"sora", "metadata":{...}}  add one
  DELETE /emulator/connections/CHANNEL/ID       disconnect one
  GET    /emulator/connections?channel=sora     list connections with metadata
  POST   /emulator/generate                     {"channel_id":"sora", "count":100}
  GET    /emulator/deliveries?channel=sora      push messages delivered so far
  GET    /emulator/events?channel=sora          live push messages (NDJSON; SSE with
                                                Accept: text/event-stream)
  GET    /emulator/state                        channels, connection counts, event counters
  POST   /emulator/reset                        remove everything
  GET    /emulator/faults                       faults in force and how many were injected
  PUT    /emulator/faults                       replace them, e.g. {"seed":1, "rules":[{"targets":
                                                ["PutSignalingNotifyMetadataItem"], "fail_rate":0.2}]},
                                                or one rule for every target: {"fail_rate":1}
  DELETE /emulator/faults                       remove them

A fixture file is YAML:

  channels:
    sora:
      - connection_id: 0FQE5EA5YN3FS13P01QZ1JG8R0   # optional, generated when absent
        client_id: alice                           # optional, defaults to the connection id
        role: sendonly                             # optional, sendrecv by default
        metadata: {status: busy, seat: 10}         # optional
      - {}                                         # a connection with every default

Fault injection, to see how scripts and jobs cope with a Sora that is slow,
flaky or down. The flags make one rule, for every Sora API request or, with
--fault-target, for those targets only; PUT /emulator/faults changes the rules
while the emulator runs. Effects apply in this order: --hang, --latency,
--drop-rate, --fail-rate, --drop-after-apply-rate. Failed and dropped requests
are not applied; --drop-after-apply-rate applies a successful request and then
closes the connection without its reply (a reply lost on the way back). Which
requests fail is fixed by --seed, the request and how many identical requests
came before it, so a run against the same seed fails the same requests.

  --fail-rate 0.2 --fail-status 503   answer 20% of requests 503 {"error_type":"injected_fault"}
  --latency 50ms, --latency 5ms-50ms  add a fixed or a random delay to every reply
  --drop-rate 0.01                    close 1% of connections without a reply
  --drop-after-apply-rate 1           apply every request, then close without a reply
  --hang                              never answer (until PUT/DELETE /emulator/faults)

With --event-webhook-url it sends Sora's event webhooks to that URL:
connection.created when a connection is added (admin API, fixture,
--generate), connection.destroyed when one leaves (admin API, Disconnect*
targets, reset), and connection.updated on POST
/emulator/connections/CHANNEL/ID/updated. Each is a JSON POST with the headers
sora-event-webhook-type, sora-session-id and sora-connection-id, delivered
asynchronously, in order per connection, retried up to 5 times; a
user:password in the URL is sent as HTTP Basic authentication.

State lives in memory only and is lost when the emulator stops (Ctrl-C).
It has no authentication: keep it on a loopback address (the default).`,
		Example: `  soracron emulator
  soracron emulator --generate sora=100 --seed 1
  soracron emulator --fixture fixture.yaml --listen 127.0.0.1:3001
  soracron emulator --cors-origin http://localhost:8080
  soracron emulator --generate sora=1000 --fail-rate 0.2 --fault-target PutSignalingNotifyMetadataItem --seed 1
  soracron emulator --generate sora=100 --latency 5ms-50ms --drop-rate 0.01
  soracron emulator --event-webhook-url http://127.0.0.1:8080/webhooks/sora/event`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runEmulator(cmd, app, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.listen, "listen", "127.0.0.1:3000", "address to serve on, host:port (port 0 picks a free port)")
	f.StringVar(&o.fixture, "fixture", "", "YAML file of channels and connections to load at start")
	f.StringArrayVar(&o.generate, "generate", nil, "add COUNT connections with generated ids to CHANNEL, as CHANNEL=COUNT (repeatable)")
	f.StringVar(&o.corsOrigin, "cors-origin", "", "allow browser requests from this origin (adds Sora's CORS headers)")
	f.Int64Var(&o.seed, "seed", 0, "seed for generated connection ids and injected faults, for reproducible runs (0: random)")
	f.BoolVar(&o.logRequests, "log-requests", false, "log every Sora API request to stderr")
	f.StringVar(&o.webhookURL, "event-webhook-url", "", "send Sora's event webhooks (connection.created/updated/destroyed) to this URL; user:password@ in it is Basic auth")
	f.Float64Var(&o.faults.failRate, "fail-rate", 0, "share of Sora API requests (0 to 1) answered with --fail-status instead of being applied")
	f.IntVar(&o.faults.failStatus, "fail-status", emulator.DefaultFailStatus, "status of the failures of --fail-rate (400 to 599)")
	f.StringArrayVar(&o.faults.targets, "fault-target", nil, "apply the fault flags to this target only, e.g. PutSignalingNotifyMetadataItem (repeatable; default: every target)")
	f.StringVar(&o.faults.latency, "latency", "", "delay added to every reply: a duration (50ms) or a range (5ms-50ms)")
	f.Float64Var(&o.faults.dropRate, "drop-rate", 0, "share of Sora API requests (0 to 1) whose connection is closed without a reply")
	f.Float64Var(&o.faults.dropAfter, "drop-after-apply-rate", 0, "share of successful Sora API requests (0 to 1) that are applied and then closed without a reply")
	f.BoolVar(&o.faults.hang, "hang", false, "do not answer Sora API requests at all (until the faults are changed with PUT /emulator/faults)")
	return cmd
}

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

// faults returns the fault rule of the flags, nil when they ask for none.
func (f *faultFlags) faults(seed uint64) (*emulator.Faults, error) {
	lat, err := emulator.ParseLatency(f.latency)
	if err != nil {
		return nil, fmt.Errorf("--latency: %w", err)
	}
	rule := emulator.FaultRule{Targets: f.targets, Hang: f.hang, Latency: lat, DropRate: f.dropRate,
		FailRate: f.failRate, FailStatus: f.failStatus, DropAfterApplyRate: f.dropAfter}
	if !rule.Hang && lat.IsZero() && rule.DropRate == 0 && rule.FailRate == 0 && rule.DropAfterApplyRate == 0 {
		if len(f.targets) > 0 {
			return nil, errors.New("--fault-target needs a fault: --fail-rate, --latency, --drop-rate, --drop-after-apply-rate or --hang")
		}
		return nil, nil
	}
	flt := &emulator.Faults{Seed: seed, Rules: []emulator.FaultRule{rule}}
	if err := flt.Validate(); err != nil {
		msg := strings.TrimPrefix(err.Error(), "rules[0]: ")
		for _, n := range []string{"fail_rate", "fail_status", "drop_rate", "drop_after_apply_rate"} {
			msg = strings.Replace(msg, n+" ", "--"+strings.ReplaceAll(n, "_", "-")+" ", 1)
		}
		msg = strings.Replace(msg, "unknown target", "--fault-target: unknown target", 1)
		return nil, errors.New(msg)
	}
	return flt, nil
}

// describeFaults is the start-up line of the faults in force.
func describeFaults(f *emulator.Faults) string {
	r := f.Rules[0]
	var parts []string
	if r.Hang {
		parts = append(parts, "no reply at all (--hang)")
	}
	if !r.Latency.IsZero() {
		parts = append(parts, "latency "+r.Latency.String())
	}
	if r.DropRate > 0 {
		parts = append(parts, fmt.Sprintf("%g%% dropped", r.DropRate*100))
	}
	if r.FailRate > 0 {
		parts = append(parts, fmt.Sprintf("%g%% failed with status %d", r.FailRate*100, r.FailStatus))
	}
	if r.DropAfterApplyRate > 0 {
		parts = append(parts, fmt.Sprintf("%g%% applied, then dropped", r.DropAfterApplyRate*100))
	}
	where := "every Sora API request"
	if len(r.Targets) > 0 {
		where = strings.Join(r.Targets, ", ")
	}
	return fmt.Sprintf("injecting faults into %s: %s (seed %d)", where, strings.Join(parts, ", "), f.Seed)
}

// isLoopback reports whether a listen host only accepts local connections.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

func runEmulator(cmd *cobra.Command, app *App, o emulatorOptions) error {
	host, _, err := net.SplitHostPort(o.listen)
	if err != nil {
		return usageErr(fmt.Errorf("--listen %q: want host:port, e.g. 127.0.0.1:3000: %w", o.listen, err))
	}
	var gens []generateSpec
	for _, v := range o.generate {
		g, err := parseGenerate(v)
		if err != nil {
			return usageErr(err)
		}
		gens = append(gens, g)
	}
	faultSeed := uint64(o.seed)
	if faultSeed == 0 {
		faultSeed = rand.Uint64()
	}
	faults, err := o.faults.faults(faultSeed)
	if err != nil {
		return usageErr(err)
	}
	if o.webhookURL != "" {
		if err := webhook.ValidateURL(o.webhookURL); err != nil {
			return usageErr(fmt.Errorf("--event-webhook-url: %w", err))
		}
	}
	// The server's goroutines and ours write to stderr.
	stderr := syncio.NewWriter(app.Stderr)
	level := slog.LevelInfo // changes made through the admin API
	if o.logRequests {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	e := emulator.New(emulator.Options{CORSOrigin: o.corsOrigin, Logger: logger, Seed: o.seed, EventWebhookURL: o.webhookURL})
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := e.Close(ctx); err != nil {
			fmt.Fprintf(stderr, "soracron emulator: %v\n", err)
		}
	}()
	if o.webhookURL != "" {
		fmt.Fprintf(stderr, "soracron emulator: sending event webhooks to %s\n", redactURL(o.webhookURL))
	}
	if faults != nil {
		if err := e.SetFaults(*faults); err != nil {
			return usageErr(err)
		}
		fmt.Fprintf(stderr, "soracron emulator: %s\n", describeFaults(faults))
	}
	if o.fixture != "" {
		if err := e.LoadFixture(o.fixture); err != nil {
			return usageErr(err)
		}
		fmt.Fprintf(stderr, "soracron emulator: loaded fixture %s\n", o.fixture)
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
	if !isLoopback(host) {
		fmt.Fprintf(stderr, "soracron emulator: warning: %s is not a loopback address: anyone who can reach it can read and change metadata (there is no authentication)\n", o.listen)
	}
	srv, err := emulator.Start(e, o.listen)
	if err != nil {
		return failErr(err)
	}
	fmt.Fprintf(stderr, "soracron emulator listening on %s\n", srv.URL)
	select {
	case <-cmd.Context().Done():
	case <-srv.Done():
	}
	err = srv.Close()
	fmt.Fprintln(stderr, "soracron emulator: stopped")
	if err != nil {
		return failErr(err)
	}
	select {
	case <-cmd.Context().Done():
		return nil
	default:
		return failErr(errors.New("emulator: server stopped unexpectedly"))
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
