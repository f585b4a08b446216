package sora

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults of Config.
const (
	DefaultTimeout          = 10 * time.Second
	DefaultAttempts         = 3
	DefaultBackoffBase      = 100 * time.Millisecond
	DefaultBackoffMax       = 2 * time.Second
	DefaultMaxConns         = 128
	DefaultMaxResponseBytes = 1 << 30
	DefaultMaxRetryAfter    = 10 * time.Second
)

// Config configures a Client. Only URL is required.
type Config struct {
	// URL is the base URL of the Sora API, e.g. http://127.0.0.1:3000/.
	URL string
	// Timeout bounds each attempt of a request; DefaultTimeout when zero.
	Timeout time.Duration
	// Headers are added to every request (e.g. Authorization for a proxy).
	Headers http.Header
	// CAFile is a PEM bundle of CAs to trust instead of the system's.
	CAFile string
	// CertFile and KeyFile are a client certificate for mutual TLS.
	CertFile, KeyFile string
	// Insecure disables verification of the server's certificate.
	Insecure bool
	// Attempts is the total number of attempts of a request, the first
	// included; DefaultAttempts when zero, 1 disables retries.
	Attempts int
	// BackoffBase and BackoffMax shape the exponential backoff between attempts.
	BackoffBase, BackoffMax time.Duration
	// MaxConns is the number of idle keep-alive connections kept to the
	// server; set it to at least the largest concurrency used.
	MaxConns int
	// MaxResponseBytes caps the size of a reply the client reads;
	// DefaultMaxResponseBytes (1 GiB) when zero. A longer reply fails with
	// "reply too large: over N bytes (raise --max-reply-size or
	// sora.max_reply_size)", and is not retried.
	MaxResponseBytes int64
	// OnRequest, when set, is called after every HTTP attempt.
	OnRequest func(RequestInfo)
	// MaxRetryAfter caps the wait a Retry-After header asks for before a
	// retry; DefaultMaxRetryAfter when zero. A wait that would end past the
	// context's deadline is not made: the call fails at once, saying so.
	MaxRetryAfter time.Duration
	// RetryAmbiguous is the policy for failures after which the request may
	// have been applied (timeout or connection reset after sending, 502,
	// 504): RetryAmbiguousAuto (""; retry them for idempotent targets
	// only), RetryAmbiguousAll or RetryAmbiguousNone. Failures that prove
	// the request was not applied (not sent, 429, 503) are always retried.
	RetryAmbiguous string
}

// RequestInfo describes one HTTP attempt, for metrics and statistics.
type RequestInfo struct {
	// Target is the full x-sora-target.
	Target string
	// Status is the HTTP status, 0 when no reply was received.
	Status int
	// Err is the attempt's error, nil on a 2xx reply.
	Err error
	// Duration is the time the attempt took.
	Duration time.Duration
	// Attempt counts from 1.
	Attempt int
}

// Client is a Sora HTTP API client. It is safe for concurrent use.
type Client struct {
	url            string
	timeout        time.Duration
	headers        http.Header
	attempts       int
	base, max      time.Duration
	maxBody        int64
	maxRetryAfter  time.Duration
	retryAmbiguous string
	onRequest      func(RequestInfo)
	http           *http.Client
	bufs           sync.Pool
}

// New returns a Client for cfg.
func New(cfg Config) (*Client, error) {
	if cfg.URL == "" {
		return nil, errors.New("sora: no URL")
	}
	u, err := url.Parse(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("sora: url %q: want http://host:port/ or https://host:port/: %w", cfg.URL, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("sora: url %q: want http://host:port/ or https://host:port/", cfg.URL)
	}
	if u.Path == "" {
		u.Path = "/"
	}
	ambiguous, err := ParseRetryAmbiguous(cfg.RetryAmbiguous)
	if err != nil {
		return nil, fmt.Errorf("sora: %w", err)
	}
	c := &Client{
		maxRetryAfter:  orDuration(cfg.MaxRetryAfter, DefaultMaxRetryAfter),
		retryAmbiguous: ambiguous,
		url:            u.String(),
		timeout:        orDuration(cfg.Timeout, DefaultTimeout),
		headers:        cfg.Headers.Clone(),
		attempts:       cfg.Attempts,
		base:           orDuration(cfg.BackoffBase, DefaultBackoffBase),
		max:            orDuration(cfg.BackoffMax, DefaultBackoffMax),
		maxBody:        cfg.MaxResponseBytes,
		onRequest:      cfg.OnRequest,
	}
	if c.attempts <= 0 {
		c.attempts = DefaultAttempts
	}
	if c.maxBody <= 0 {
		c.maxBody = DefaultMaxResponseBytes
	}
	tlsConfig, err := tlsConfig(cfg)
	if err != nil {
		return nil, err
	}
	conns := cfg.MaxConns
	if conns <= 0 {
		conns = DefaultMaxConns
	}
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          conns,
		MaxIdleConnsPerHost:   conns,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   5 * time.Second,
		ExpectContinueTimeout: time.Second,
		TLSClientConfig:       tlsConfig,
	}
	// Redirects are not followed: a redirect of a POST becomes a GET (a
	// confusing 405), and following one would send the body, the custom
	// headers and credentials to a host the user did not name.
	c.http = &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
	c.bufs.New = func() any { return new(bytes.Buffer) }
	return c, nil
}

// URL returns the base URL requests are posted to.
func (c *Client) URL() string { return c.url }

// CloseIdleConnections closes the keep-alive connections kept to the server.
func (c *Client) CloseIdleConnections() { c.http.CloseIdleConnections() }

func tlsConfig(cfg Config) (*tls.Config, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: cfg.Insecure} //nolint:gosec // explicit opt-in
	if cfg.CAFile != "" {
		pem, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("sora: ca file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("sora: ca file %s: no PEM certificate found", cfg.CAFile)
		}
		tc.RootCAs = pool
	}
	if cfg.CertFile != "" || cfg.KeyFile != "" {
		if cfg.CertFile == "" || cfg.KeyFile == "" {
			return nil, errors.New("sora: client certificate needs both a cert file and a key file")
		}
		cert, err := tls.LoadX509KeyPair(cfg.CertFile, cfg.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("sora: client certificate: %w", err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	return tc, nil
}

func orDuration(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// Call posts body (marshalled as JSON; a json.RawMessage or []byte is sent as
// is, nil as {}) to target and returns the raw JSON reply of a 2xx response;
// a 2xx with an empty body is returned as null, a value like any other.
// target is a full name ("Sora_20201013.ListChannels") or the action name of
// a known target ("ListChannels").
func (c *Client) Call(ctx context.Context, target string, body any) (json.RawMessage, error) {
	full, err := FullTarget(target)
	if err != nil {
		return nil, err
	}
	var data []byte
	switch b := body.(type) {
	case nil:
	case json.RawMessage:
		data = b
	case []byte:
		data = b
	default:
		data, err = json.Marshal(body)
		if err != nil {
			return nil, &TransportError{Target: full, Err: fmt.Errorf("encode request: %w", err)}
		}
	}
	if len(data) == 0 {
		data = []byte("{}")
	}
	return c.do(ctx, full, data, nil)
}

// do sends data to target with retries and returns the reply body of a 2xx.
// What is retried depends on the failure and on the target's RetryClass.
// A non-nil sink reads the reply of a 2xx instead (see Stream).
func (c *Client) do(ctx context.Context, target string, data []byte, sink func(io.Reader) error) (json.RawMessage, error) {
	class := RetryClassOf(target)
	var lastErr error
	var notes []string // why the loop ended as it did, for the final error
	ambiguousBefore := false
	for attempt := 1; ; attempt++ {
		if err := ctx.Err(); err != nil {
			if lastErr != nil {
				return nil, fmt.Errorf("%w (after %d attempts, last: %v)", &TransportError{Target: target, Err: err}, attempt-1, lastErr)
			}
			return nil, &TransportError{Target: target, Err: err}
		}
		reply, retryAfter, sent, err := c.attempt(ctx, target, data, attempt, sink)
		if err == nil {
			return reply, nil
		}
		if ambiguousBefore && class == RetryDisconnect && ErrorType(err) == "connection_not_found" {
			// An earlier attempt disconnected it; only its reply was lost.
			return json.RawMessage("null"), nil
		}
		lastErr = err
		if ctx.Err() != nil {
			// Cancellation, not the reply, is why this request ends.
			return nil, fmt.Errorf("%w (after %d attempts, last: %v)", &TransportError{Target: target, Err: ctx.Err()}, attempt, err)
		}
		kind := classifyFailure(err, sent)
		if kind == ambiguous && !c.retriesAmbiguous(class) {
			notes = append(notes, fmt.Sprintf("not retried: the request may have been applied, and a retry of %s (retry class %s) could apply it twice; retry_ambiguous is %s",
				target[strings.IndexByte(target, '.')+1:], class, c.retryAmbiguous))
			kind = permanent
		}
		if attempt >= c.attempts || kind == permanent {
			return nil, finalError(err, attempt, notes)
		}
		if kind == ambiguous {
			ambiguousBefore = true
		}
		wait := c.backoff(attempt)
		if retryAfter > 0 {
			wait = retryAfter
			if wait > c.maxRetryAfter {
				wait = c.maxRetryAfter
				notes = append(notes, fmt.Sprintf("Retry-After %s capped at %s", retryAfter, c.maxRetryAfter))
			}
			if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
				notes = append(notes, fmt.Sprintf("not retried: the wait of %s the server asked for (Retry-After) would end after the deadline", wait))
				return nil, finalError(err, attempt, notes)
			}
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("%w (after %d attempts, last: %v)", &TransportError{Target: target, Err: ctx.Err()}, attempt, lastErr)
		case <-t.C:
		}
	}
}

// finalError is err with the number of attempts and the notes of the loop.
func finalError(err error, attempts int, notes []string) error {
	var parts []string
	if attempts > 1 {
		parts = append(parts, fmt.Sprintf("after %d attempts", attempts))
	}
	parts = append(parts, slices.Compact(notes)...)
	if len(parts) == 0 {
		return err
	}
	return fmt.Errorf("%w (%s)", err, strings.Join(parts, "; "))
}

// retriesAmbiguous reports whether a failure after which the request may
// have been applied is retried for a target of class.
func (c *Client) retriesAmbiguous(class RetryClass) bool {
	switch c.retryAmbiguous {
	case RetryAmbiguousAll:
		return true
	case RetryAmbiguousNone:
		return false
	}
	return class == RetryIdempotent
}

// backoff returns the wait after the given attempt: exponential, capped,
// with jitter in [d/2, d].
func (c *Client) backoff(attempt int) time.Duration {
	d := c.base << (attempt - 1)
	if d > c.max || d <= 0 {
		d = c.max
	}
	half := d / 2
	return half + rand.N(half+1)
}

// attempt makes one HTTP attempt. sent reports whether the whole request
// was written, so that a failure can tell "not applied" from "maybe applied".
func (c *Client) attempt(ctx context.Context, target string, data []byte, n int, sink func(io.Reader) error) (reply json.RawMessage, retryAfter time.Duration, sent bool, err error) {
	start := time.Now()
	var actx context.Context
	var cancel context.CancelFunc
	var touch func() // called as a streamed reply arrives
	if sink == nil {
		actx, cancel = context.WithTimeout(ctx, c.timeout)
	} else {
		// A streamed reply is decoded as it arrives, which can take
		// longer than the timeout for a big one: the timeout bounds
		// each wait for the server instead of the whole attempt.
		actx, cancel = context.WithCancel(ctx)
		idle := time.AfterFunc(c.timeout, cancel)
		defer idle.Stop()
		touch = func() { idle.Reset(c.timeout) }
	}
	defer cancel()
	var wrote atomic.Bool
	actx = httptrace.WithClientTrace(actx, &httptrace.ClientTrace{
		WroteRequest: func(i httptrace.WroteRequestInfo) { wrote.Store(i.Err == nil) },
	})
	req, err := http.NewRequestWithContext(actx, http.MethodPost, c.url, bytes.NewReader(data))
	if err != nil {
		return nil, 0, false, &TransportError{Target: target, Err: err}
	}
	for k, vs := range c.headers {
		req.Header[k] = vs
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Sora-Target", target)
	status := 0
	reply, retryAfter, err = c.roundTrip(req, target, &status, sink, touch)
	sent = wrote.Load() || status != 0
	if err != nil && actx.Err() != nil && ctx.Err() == nil {
		what := "no reply"
		switch {
		case !sent:
			what = "request not sent"
		case status != 0 && sink != nil:
			what = "reply stalled, nothing more"
		}
		err = &TransportError{Target: target, Err: fmt.Errorf("%s within %s: %w", what, c.timeout, context.DeadlineExceeded)}
	}
	if c.onRequest != nil {
		c.onRequest(RequestInfo{Target: target, Status: status, Err: err, Duration: time.Since(start), Attempt: n})
	}
	return reply, retryAfter, sent, err
}

func (c *Client) roundTrip(req *http.Request, target string, status *int, sink func(io.Reader) error, touch func()) (json.RawMessage, time.Duration, error) {
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, 0, &TransportError{Target: target, Err: unwrapURLError(err)}
	}
	defer resp.Body.Close()
	*status = resp.StatusCode
	if isRedirect(resp.StatusCode) {
		return nil, 0, redirectError(target, resp)
	}
	if sink != nil && resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		return nil, 0, c.stream(target, resp, sink, touch)
	}
	buf := c.bufs.Get().(*bytes.Buffer)
	buf.Reset()
	defer c.bufs.Put(buf)
	_, err = buf.ReadFrom(io.LimitReader(resp.Body, c.maxBody+1))
	if err != nil {
		return nil, 0, &TransportError{Target: target, Err: fmt.Errorf("read reply (status %d): %w", resp.StatusCode, err)}
	}
	if int64(buf.Len()) > c.maxBody {
		return nil, 0, c.tooLarge(target)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, parseRetryAfter(resp.Header.Get("Retry-After")), apiError(target, resp.StatusCode, bytes.Clone(buf.Bytes()))
	}
	if len(bytes.TrimSpace(buf.Bytes())) == 0 {
		return json.RawMessage("null"), 0, nil
	}
	return bytes.Clone(buf.Bytes()), 0, nil
}

// unwrapURLError drops the *url.Error layer, which repeats method and URL.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// maxErrorBody caps the error reply kept in an APIError.
const maxErrorBody = 64 << 10

func apiError(target string, status int, body []byte) *APIError {
	e := &APIError{Status: status, Target: target}
	if len(body) > maxErrorBody {
		body = body[:maxErrorBody]
	}
	e.Body = body
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var fields map[string]any
	if dec.Decode(&fields) == nil && fields != nil {
		e.Fields = fields
		e.Type, _ = fields["error_type"].(string)
		e.Message, _ = fields["message"].(string)
	}
	return e
}

// parseRetryAfter reads a Retry-After header: delay-seconds or an HTTP date.
func parseRetryAfter(v string) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil {
		if s < 0 {
			return 0
		}
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := time.Until(t); d > 0 {
			return d
		}
	}
	return 0
}
