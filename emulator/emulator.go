package emulator

import (
	"bytes"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/soracron/soracron/emulator/faults"
	"github.com/soracron/soracron/emulator/internal/jsonscan"
	"github.com/soracron/soracron/emulator/push"
	"github.com/soracron/soracron/emulator/webhook"
)

// DefaultMaxEvents is the default capacity of the delivery ring.
const DefaultMaxEvents = 100000

// maxBodyBytes caps the size of a Sora API request body.
const maxBodyBytes = 32 << 20

// Options configure an Emulator. The zero value is usable.
type Options struct {
	// CORSOrigin, when set, adds Sora's four CORS headers to every response
	// and enables OPTIONS preflights from that origin.
	CORSOrigin string
	// Logger receives changes made through the admin API (info) and Sora
	// API requests (debug); nil discards.
	Logger *slog.Logger
	// Seed, when non-zero, makes generated connection ids deterministic;
	// zero uses crypto/rand.
	Seed int64
	// MaxEvents bounds the recorded push deliveries; DefaultMaxEvents when
	// zero or negative.
	MaxEvents int
	// Now is the clock of connections' created_time; time.Now when nil.
	Now func() time.Time
	// AnyConnectionID accepts connection ids of any form (non-empty, printable,
	// at most 128 bytes) from fixtures and the admin API, so tests can use
	// readable ids such as "C1". Generated ids are always Sora's form.
	AnyConnectionID bool
	// Faults are injected from the start (see SetFaults). New panics when
	// they are invalid: validate them first (Faults.Validate).
	Faults Faults
	// EventWebhookURL, when set, receives Sora's event webhooks
	// (connection.created, connection.updated, connection.destroyed); a
	// user:password in it is sent as HTTP Basic authentication. New panics
	// when it is invalid: check it first (webhook.ValidateURL). Close
	// the Emulator to stop the deliveries.
	EventWebhookURL string
	// EventWebhookUser and EventWebhookPassword, when set, are the HTTP
	// Basic authentication of the event webhook.
	EventWebhookUser, EventWebhookPassword string
}

// header is a response header with its canonical name.
type header struct {
	name  string
	value []string
}

// Emulator is an in-memory Sora API server. It implements http.Handler and
// is safe for concurrent use.
type Emulator struct {
	log    *slog.Logger
	now    func() time.Time
	cors   []header
	ctJSON []string
	server []string
	mux    *http.ServeMux
	bufs   sync.Pool

	shards [shardCount]shard

	rngMu   sync.Mutex
	rng     *rand.Rand // nil: crypto/rand
	sessRng *rand.Rand // session ids, apart so they do not shift connection ids

	anyID bool

	events *push.Log

	webhook *webhook.Sender // nil: no event webhook

	faults faults.Injector
}

// New returns an Emulator with no connections.
func New(opts Options) *Emulator {
	e := &Emulator{
		log:    opts.Logger,
		now:    opts.Now,
		ctJSON: []string{"application/json"},
		server: []string{"Cowboy"},
		anyID:  opts.AnyConnectionID,
	}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	if e.now == nil {
		e.now = time.Now
	}
	if opts.Seed != 0 {
		e.rng = rand.New(rand.NewPCG(uint64(opts.Seed), 0x9e3779b97f4a7c15))
		e.sessRng = rand.New(rand.NewPCG(uint64(opts.Seed), 0x5e55104e5e55104e))
	}
	if opts.CORSOrigin != "" {
		e.cors = []header{
			{"Access-Control-Allow-Headers", []string{"Origin, X-Requested-With, Content-Type, Accept, x-sora-target"}},
			{"Access-Control-Allow-Methods", []string{"POST, OPTIONS"}},
			{"Access-Control-Allow-Origin", []string{opts.CORSOrigin}},
			{"Access-Control-Max-Age", []string{"1000"}},
		}
	}
	maxEvents := opts.MaxEvents
	if maxEvents <= 0 {
		maxEvents = DefaultMaxEvents
	}
	e.events = push.NewLog(maxEvents)
	for i := range e.shards {
		e.shards[i].channels = map[string]*channel{}
	}
	e.bufs.New = func() any { return new(bytes.Buffer) }
	e.mux = e.newAdminMux()
	if opts.EventWebhookURL != "" {
		w, err := webhook.New(opts.EventWebhookURL, opts.EventWebhookUser, opts.EventWebhookPassword)
		if err != nil {
			panic("emulator: Options.EventWebhookURL: " + err.Error())
		}
		e.webhook = w
	}
	if len(opts.Faults.Rules) > 0 {
		if err := e.SetFaults(opts.Faults); err != nil {
			panic("emulator: Options.Faults: " + err.Error())
		}
	}
	return e
}

// ServeHTTP serves the Sora API on "/" and the admin API under /emulator/.
// Every response carries `server: Cowboy` and, when a CORS origin is
// configured, the CORS headers.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h["Server"] = e.server
	for _, kv := range e.cors {
		h[kv.name] = kv.value
	}
	if r.URL.Path == "/" {
		e.serveAPI(w, r)
		return
	}
	e.mux.ServeHTTP(w, r)
}

// Reset removes every connection and recorded delivery. Live subscriptions
// stay open and delivery sequence numbers keep increasing.
func (e *Emulator) Reset() {
	for i := range e.shards {
		s := &e.shards[i]
		s.mu.Lock()
		old := s.channels
		s.channels = map[string]*channel{}
		s.mu.Unlock()
		for _, ch := range old {
			for _, id := range ch.ids {
				c := ch.conns[id]
				e.event(webhook.ConnectionDestroyed, c)
				c.markRemoved()
			}
		}
	}
	e.events.Clear()
}

// writeJSON writes a JSON response with an explicit content length.
func (e *Emulator) writeJSON(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h["Content-Type"] = e.ctJSON
	if len(body) > 2048 {
		// Smaller replies get their length from net/http, which buffers them.
		h["Content-Length"] = []string{strconv.Itoa(len(body))}
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// writeError writes the JSON error body {"error_type","message"}.
func (e *Emulator) writeError(w http.ResponseWriter, status int, typ, msg string) {
	e.writeJSON(w, status, errorBody(typ, msg))
}

func errorBody(typ, msg string) []byte {
	b := make([]byte, 0, 32+len(typ)+len(msg))
	b = append(b, `{"error_type":`...)
	b = jsonscan.AppendString(b, typ)
	b = append(b, `,"message":`...)
	b = jsonscan.AppendString(b, msg)
	return append(b, '}')
}

// readBody reads the request body into a pooled buffer; putBuf returns it.
func (e *Emulator) readBody(r *http.Request) (*bytes.Buffer, error) {
	buf := e.bufs.Get().(*bytes.Buffer)
	buf.Reset()
	if r.ContentLength > 0 && r.ContentLength <= maxBodyBytes {
		buf.Grow(int(r.ContentLength) + 1) // +1: ReadFrom stops without growing
	}
	_, err := buf.ReadFrom(io.LimitReader(r.Body, maxBodyBytes+1))
	return buf, err
}

func (e *Emulator) putBuf(buf *bytes.Buffer) {
	if buf.Cap() <= 1<<20 {
		e.bufs.Put(buf)
	}
}
