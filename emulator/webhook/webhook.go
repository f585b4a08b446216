package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
)

// Event webhook. Sora POSTs an event to its event_webhook_url when a
// connection is created, updated or destroyed. What the emulator sends, and
// where it comes from:
//   - HTTP/1.1 POST, content-type application/json, a 2xx reply expected
//     (Sora's webhook documentation: https://sora-doc.shiguredo.jp/WEBHOOK);
//     Sora Cloud times a webhook out after 10 s
//     (https://doc.sora-cloud.shiguredo.app/webhook).
//   - Headers sora-event-webhook-type (the event type), sora-session-id and
//     sora-connection-id, as receivers of Sora's event webhook read them
//     (e.g. github.com/nkawa/SoraSessionManager, src/app/api/sora/event/route.ts).
//   - Body: type and the connection's ids (channel_id, session_id,
//     client_id, bundle_id, connection_id), per the reference. The vendor's
//     event webhook page could not be consulted, so the rest is the
//     emulator's choice, marked unconfirmed: id (26 characters, unique per
//     event), timestamp (RFC 3339, UTC, microseconds), role and metadata
//     (the connection's signaling notify metadata when the event was made).
//   - Optional HTTP Basic authentication, as Sora can be configured to send.
// Retries and ordering are not documented by the vendor; the emulator
// delivers asynchronously, in order per connection, and retries a failed
// delivery a few times with backoff (Attempts), then gives up and
// counts it.

// Event types the emulator sends.
const (
	ConnectionCreated   = "connection.created"
	ConnectionUpdated   = "connection.updated"
	ConnectionDestroyed = "connection.destroyed"
)

// Attempts is the number of attempts of one delivery.
const Attempts = 5

const (
	webhookWorkers    = 8 // deliveries in flight; one connection always maps to one worker
	webhookBackoff    = 50 * time.Millisecond
	webhookBackoffMax = 2 * time.Second
	webhookTimeout    = 10 * time.Second // per attempt, as Sora Cloud's
	webhookMaxPending = 1 << 20          // events queued beyond this are dropped (counted)
)

// Stats counts the event webhook's deliveries.
type Stats struct {
	// Sent counts events answered 2xx.
	Sent uint64 `json:"sent"`
	// Retried counts attempts after a failed one.
	Retried uint64 `json:"retried"`
	// Failed counts events given up after every attempt failed.
	Failed uint64 `json:"failed"`
	// Dropped counts events not queued because too many were pending.
	Dropped uint64 `json:"dropped"`
	// Pending is the number of events queued or being delivered.
	Pending int64 `json:"pending"`
}

// Event is the body of one event webhook.
type Event struct {
	Type         string          `json:"type"`
	ID           string          `json:"id"`
	Timestamp    string          `json:"timestamp"`
	ChannelID    string          `json:"channel_id"`
	SessionID    string          `json:"session_id"`
	ClientID     string          `json:"client_id"`
	BundleID     string          `json:"bundle_id"`
	ConnectionID string          `json:"connection_id"`
	Role         string          `json:"role"`
	Metadata     json.RawMessage `json:"metadata"`
}

// Sender delivers events to one URL, in order per connection, from a few
// workers. It is safe for concurrent use.
type Sender struct {
	url        string
	user, pass string
	auth       bool
	client     *http.Client
	queues     [webhookWorkers]webhookQueue
	ctx        context.Context
	cancel     context.CancelFunc
	wg         sync.WaitGroup

	sent, retried, failed, dropped atomic.Uint64
	pending                        atomic.Int64
}

// webhookQueue is the FIFO of one worker.
type webhookQueue struct {
	mu    sync.Mutex
	items []Event
	wake  chan struct{} // 1-buffered
}

// ValidateURL reports what is wrong with an event webhook URL.
func ValidateURL(rawURL string) error {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("event webhook url %q: want http://host:port/path or an https URL", rawURL)
	}
	return nil
}

// New validates rawURL (user:password in it is Basic auth, else user and
// pass when either is set) and starts the workers. Close stops them.
func New(rawURL, user, pass string) (*Sender, error) {
	if err := ValidateURL(rawURL); err != nil {
		return nil, err
	}
	u, _ := url.Parse(rawURL)
	w := &Sender{user: user, pass: pass, auth: user != "" || pass != ""}
	if u.User != nil {
		w.user = u.User.Username()
		w.pass, _ = u.User.Password()
		w.auth = true
		u.User = nil
	}
	w.url = u.String()
	w.client = &http.Client{
		Timeout:   webhookTimeout,
		Transport: &http.Transport{MaxIdleConnsPerHost: webhookWorkers, IdleConnTimeout: 30 * time.Second},
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	w.ctx, w.cancel = context.WithCancel(context.Background())
	for i := range w.queues {
		q := &w.queues[i]
		q.wake = make(chan struct{}, 1)
		w.wg.Add(1)
		go w.work(q)
	}
	return w, nil
}

// Enqueue queues an event; it never blocks. The events of one connection
// (channel and connection id) are delivered in the order they are queued:
// the emulator queues them under the connection's lock.
func (w *Sender) Enqueue(ev Event) {
	if w.pending.Load() >= webhookMaxPending {
		w.dropped.Add(1)
		return
	}
	h := fnv.New32a()
	_, _ = h.Write([]byte(ev.ChannelID))
	_, _ = h.Write([]byte{0})
	_, _ = h.Write([]byte(ev.ConnectionID))
	q := &w.queues[h.Sum32()%webhookWorkers]
	w.pending.Add(1)
	q.mu.Lock()
	q.items = append(q.items, ev)
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// work delivers the events of q one at a time, in order.
func (w *Sender) work(q *webhookQueue) {
	defer w.wg.Done()
	for {
		q.mu.Lock()
		if len(q.items) == 0 {
			q.items = nil
			q.mu.Unlock()
			select {
			case <-q.wake:
				continue
			case <-w.ctx.Done():
				return
			}
		}
		ev := q.items[0]
		q.items = q.items[1:]
		q.mu.Unlock()
		w.deliver(ev)
		w.pending.Add(-1)
	}
}

// deliver sends one event, retrying a failed attempt with backoff.
func (w *Sender) deliver(ev Event) {
	body, err := json.Marshal(ev)
	if err != nil {
		w.failed.Add(1)
		return
	}
	wait := webhookBackoff
	for attempt := 1; ; attempt++ {
		if w.post(ev, body) == nil {
			w.sent.Add(1)
			return
		}
		if attempt >= Attempts || w.ctx.Err() != nil {
			w.failed.Add(1)
			return
		}
		w.retried.Add(1)
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-w.ctx.Done():
			t.Stop()
		}
		wait = min(2*wait, webhookBackoffMax)
	}
}

func (w *Sender) post(ev Event, body []byte) error {
	req, err := http.NewRequestWithContext(w.ctx, http.MethodPost, w.url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("sora-event-webhook-type", ev.Type)
	req.Header.Set("sora-session-id", ev.SessionID)
	req.Header.Set("sora-connection-id", ev.ConnectionID)
	if w.auth {
		req.SetBasicAuth(w.user, w.pass)
	}
	resp, err := w.client.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return nil
}

// Close waits for pending events (until ctx ends), then stops the workers.
func (w *Sender) Close(ctx context.Context) error {
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	var err error
	for w.pending.Load() > 0 && err == nil {
		select {
		case <-ctx.Done():
			err = fmt.Errorf("event webhook: %d events not delivered: %w", w.pending.Load(), ctx.Err())
		case <-t.C:
		}
	}
	w.cancel()
	w.wg.Wait()
	w.client.CloseIdleConnections()
	return err
}

// Stats returns the counts of the deliveries so far.
func (w *Sender) Stats() Stats {
	return Stats{Sent: w.sent.Load(), Retried: w.retried.Load(), Failed: w.failed.Load(),
		Dropped: w.dropped.Load(), Pending: w.pending.Load()}
}
