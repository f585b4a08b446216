package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// Message is the JSON body of one notification.
type Message struct {
	Event     string     `json:"event"` // failed, timeout, interrupted, missed, partial or recovered
	Job       string     `json:"job"`
	RunID     int64      `json:"run_id,omitempty"`
	Outcome   string     `json:"outcome"`
	Trigger   string     `json:"trigger,omitempty"`
	Error     string     `json:"error,omitempty"` // secrets redacted
	Scheduled *time.Time `json:"scheduled,omitempty"`
	Start     *time.Time `json:"start,omitempty"`
	End       *time.Time `json:"end,omitempty"`
	URL       string     `json:"url,omitempty"` // the run's dashboard page, with notify.base_url
	Text      string     `json:"text"`          // one readable line (Slack, Teams)
}

// Target is where a message goes.
type Target struct {
	URL     string
	Headers map[string]string
}

// Options configure a Notifier.
type Options struct {
	// Client sends the requests; a client with a 10 s timeout when nil.
	Client *http.Client
	// Logger receives the failed deliveries; nil discards them.
	Logger *slog.Logger
	// OnDelivery is called with the final result of each message: "ok",
	// "failed" (every attempt failed) or "dropped" (the queue was full, or
	// the notifier closed before it was sent).
	OnDelivery func(result string)
	// Attempts is how many times a delivery is tried (default 4).
	Attempts int
	// Backoff is the wait before the first retry, doubled after each
	// (default 1s).
	Backoff time.Duration
	// Queue is how many messages may be in delivery at once (default
	// 1000); more are dropped.
	Queue int
	// Workers bounds the requests in flight at once (default 16). A
	// delivery waiting for its retry holds none.
	Workers int
}

type delivery struct {
	target Target
	body   []byte
}

// Notifier delivers messages in the background; see the package doc.
type Notifier struct {
	opts    Options
	slots   chan struct{} // one per request in flight
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	mu      sync.Mutex
	pending int // messages in delivery
	closed  bool
}

// New starts a Notifier; Close stops it.
func New(opts Options) *Notifier {
	if opts.Client == nil {
		opts.Client = &http.Client{Timeout: 10 * time.Second}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.OnDelivery == nil {
		opts.OnDelivery = func(string) {}
	}
	if opts.Attempts <= 0 {
		opts.Attempts = 4
	}
	if opts.Backoff <= 0 {
		opts.Backoff = time.Second
	}
	if opts.Queue <= 0 {
		opts.Queue = 1000
	}
	if opts.Workers <= 0 {
		opts.Workers = 16
	}
	n := &Notifier{opts: opts, slots: make(chan struct{}, opts.Workers)}
	n.ctx, n.cancel = context.WithCancel(context.Background())
	return n
}

// Send queues m for t and returns at once.
func (n *Notifier) Send(t Target, m Message) {
	body, err := json.Marshal(m)
	if err != nil { // cannot happen: plain fields
		n.opts.OnDelivery("dropped")
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		n.opts.OnDelivery("dropped")
		return
	}
	if n.pending >= n.opts.Queue {
		n.opts.OnDelivery("dropped")
		n.opts.Logger.Warn("notification dropped: too many in delivery", slog.String("receiver", host(t.URL)),
			slog.String("job", m.Job), slog.String("event", m.Event))
		return
	}
	n.pending++
	n.wg.Add(1)
	go n.deliver(delivery{target: t, body: body})
}

// Close stops accepting messages, gives the queued ones until ctx is done
// to be delivered, then abandons the rest (counted dropped).
func (n *Notifier) Close(ctx context.Context) {
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return
	}
	n.closed = true
	n.mu.Unlock()
	done := make(chan struct{})
	go func() {
		n.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		n.cancel()
		<-done
	}
	n.cancel()
}

// deliver tries d up to Attempts times.
func (n *Notifier) deliver(d delivery) {
	defer func() {
		n.mu.Lock()
		n.pending--
		n.mu.Unlock()
		n.wg.Done()
	}()
	wait := n.opts.Backoff
	var err error
	for attempt := 1; attempt <= n.opts.Attempts; attempt++ {
		select {
		case n.slots <- struct{}{}:
		case <-n.ctx.Done():
			n.opts.OnDelivery("dropped")
			return
		}
		err = n.post(d)
		<-n.slots
		if err == nil {
			n.opts.OnDelivery("ok")
			return
		}
		if attempt == n.opts.Attempts {
			break
		}
		select {
		case <-time.After(wait):
		case <-n.ctx.Done():
			n.opts.OnDelivery("dropped")
			return
		}
		wait *= 2
	}
	n.opts.OnDelivery("failed")
	n.opts.Logger.Error("notification not delivered", slog.String("receiver", host(d.target.URL)),
		slog.Int("attempts", n.opts.Attempts), slog.Any("error", err))
}

func (n *Notifier) post(d delivery) error {
	req, err := http.NewRequestWithContext(n.ctx, http.MethodPost, d.target.URL, bytes.NewReader(d.body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "soracron")
	for k, v := range d.target.Headers {
		req.Header.Set(k, v)
	}
	resp, err := n.opts.Client.Do(req)
	if err != nil {
		// The error names the URL, which may carry a secret: keep its host.
		if ue, ok := err.(*url.Error); ok {
			return fmt.Errorf("%s: %w", ue.Op, ue.Err)
		}
		return err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return nil
}

// host is the host of a URL, for logs.
func host(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "?"
	}
	return u.Host
}
