package cli

import (
	"fmt"
	"net"
	"strings"

	"github.com/spf13/cobra"

	"github.com/soracron/soracron/cli/emulatorserver"
	"github.com/soracron/soracron/emulator"
)

func newEmulatorCmd(app *App) *cobra.Command {
	var o emulatorserver.Options
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
			host, _, err := net.SplitHostPort(o.Listen)
			if err != nil {
				return usageErr(fmt.Errorf("--listen %q: want host:port, e.g. 127.0.0.1:3000: %w", o.Listen, err))
			}
			return emulatorserver.Serve(cmd.Context(), app.Stderr, o, isLoopback(host))
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Listen, "listen", "127.0.0.1:3000", "address to serve on, host:port (port 0 picks a free port)")
	f.StringVar(&o.Fixture, "fixture", "", "YAML file of channels and connections to load at start")
	f.StringArrayVar(&o.Generate, "generate", nil, "add COUNT connections with generated ids to CHANNEL, as CHANNEL=COUNT (repeatable)")
	f.StringVar(&o.CORSOrigin, "cors-origin", "", "allow browser requests from this origin (adds Sora's CORS headers)")
	f.Int64Var(&o.Seed, "seed", 0, "seed for generated connection ids and injected faults, for reproducible runs (0: random)")
	f.BoolVar(&o.LogRequests, "log-requests", false, "log every Sora API request to stderr")
	f.StringVar(&o.WebhookURL, "event-webhook-url", "", "send Sora's event webhooks (connection.created/updated/destroyed) to this URL; user:password@ in it is Basic auth")
	f.Float64Var(&o.Faults.FailRate, "fail-rate", 0, "share of Sora API requests (0 to 1) answered with --fail-status instead of being applied")
	f.IntVar(&o.Faults.FailStatus, "fail-status", emulator.DefaultFailStatus, "status of the failures of --fail-rate (400 to 599)")
	f.StringArrayVar(&o.Faults.Targets, "fault-target", nil, "apply the fault flags to this target only, e.g. PutSignalingNotifyMetadataItem (repeatable; default: every target)")
	f.StringVar(&o.Faults.Latency, "latency", "", "delay added to every reply: a duration (50ms) or a range (5ms-50ms)")
	f.Float64Var(&o.Faults.DropRate, "drop-rate", 0, "share of Sora API requests (0 to 1) whose connection is closed without a reply")
	f.Float64Var(&o.Faults.DropAfter, "drop-after-apply-rate", 0, "share of successful Sora API requests (0 to 1) that are applied and then closed without a reply")
	f.BoolVar(&o.Faults.Hang, "hang", false, "do not answer Sora API requests at all (until the faults are changed with PUT /emulator/faults)")
	return cmd
}

// isLoopback reports whether a listen host only accepts local connections.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}
