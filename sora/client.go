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
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Defaults of Config.
const (
	DefaultTimeout          = 10 * time.Second
	DefaultAttempts         = 3
	DefaultBackoffBase      = 100 * time.Millisecond
	DefaultBackoffMax       = 2 * time.Second
	DefaultMaxConns         = 128
	DefaultMaxResponseBytes = 32 << 20
	maxRetryAfter           = time.Minute
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
	// MaxResponseBytes caps the size of a reply the client reads.
	MaxResponseBytes int64
	// OnRequest, when set, is called after every HTTP attempt.
	OnRequest func(RequestInfo)
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
	url       string
	timeout   time.Duration
	headers   http.Header
	attempts  int
	base, max time.Duration
	maxBody   int64
	onRequest func(RequestInfo)
	http      *http.Client
	bufs      sync.Pool
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
	c := &Client{
		url:       u.String(),
		timeout:   orDuration(cfg.Timeout, DefaultTimeout),
		headers:   cfg.Headers.Clone(),
		attempts:  cfg.Attempts,
		base:      orDuration(cfg.BackoffBase, DefaultBackoffBase),
		max:       orDuration(cfg.BackoffMax, DefaultBackoffMax),
		maxBody:   cfg.MaxResponseBytes,
		onRequest: cfg.OnRequest,
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
	c.http = &http.Client{Transport: tr}
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
// is, nil as {}) to target and returns the raw JSON reply of a 2xx response.
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
	return c.do(ctx, full, data)
}

// do sends data to target with retries and returns the reply body of a 2xx.
func (c *Client) do(ctx context.Context, target string, data []byte) (json.RawMessage, error) {
	var lastErr error
	for attempt := 1; ; attempt++ {
		if err := ctx.Err(); err != nil {
			if lastErr != nil {
				return nil, fmt.Errorf("%w (after %d attempts, last: %v)", &TransportError{Target: target, Err: err}, attempt-1, lastErr)
			}
			return nil, &TransportError{Target: target, Err: err}
		}
		reply, retryAfter, err := c.attempt(ctx, target, data, attempt)
		if err == nil {
			return reply, nil
		}
		lastErr = err
		if ctx.Err() != nil {
			// Cancellation, not the reply, is why this request ends.
			return nil, fmt.Errorf("%w (after %d attempts, last: %v)", &TransportError{Target: target, Err: ctx.Err()}, attempt, err)
		}
		if attempt >= c.attempts || !c.retryable(ctx, err) {
			if attempt > 1 {
				return nil, fmt.Errorf("%w (after %d attempts)", err, attempt)
			}
			return nil, err
		}
		wait := c.backoff(attempt)
		if retryAfter > 0 {
			wait = min(retryAfter, maxRetryAfter)
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

func (c *Client) retryable(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Temporary()
	}
	var te *TransportError
	if errors.As(err, &te) {
		// A reply too large, or a certificate that does not verify, will
		// not get better.
		return !errors.Is(te.Err, errTooLarge) && !tlsFailure(te.Err)
	}
	return false
}

// tlsFailure reports whether err is a TLS verification or protocol failure.
func tlsFailure(err error) bool {
	var cv *tls.CertificateVerificationError
	var rh tls.RecordHeaderError
	var ua x509.UnknownAuthorityError
	var he x509.HostnameError
	var ci x509.CertificateInvalidError
	return errors.As(err, &cv) || errors.As(err, &rh) || errors.As(err, &ua) || errors.As(err, &he) || errors.As(err, &ci)
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

var errTooLarge = errors.New("reply too large")

func (c *Client) attempt(ctx context.Context, target string, data []byte, n int) (json.RawMessage, time.Duration, error) {
	start := time.Now()
	actx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, http.MethodPost, c.url, bytes.NewReader(data))
	if err != nil {
		return nil, 0, &TransportError{Target: target, Err: err}
	}
	for k, vs := range c.headers {
		req.Header[k] = vs
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Sora-Target", target)
	status := 0
	reply, retryAfter, err := c.roundTrip(req, target, &status)
	if err != nil && actx.Err() != nil && ctx.Err() == nil {
		err = &TransportError{Target: target, Err: fmt.Errorf("no reply within %s: %w", c.timeout, context.DeadlineExceeded)}
	}
	if c.onRequest != nil {
		c.onRequest(RequestInfo{Target: target, Status: status, Err: err, Duration: time.Since(start), Attempt: n})
	}
	return reply, retryAfter, err
}

func (c *Client) roundTrip(req *http.Request, target string, status *int) (json.RawMessage, time.Duration, error) {
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, 0, &TransportError{Target: target, Err: unwrapURLError(err)}
	}
	defer resp.Body.Close()
	*status = resp.StatusCode
	buf := c.bufs.Get().(*bytes.Buffer)
	buf.Reset()
	defer c.bufs.Put(buf)
	_, err = buf.ReadFrom(io.LimitReader(resp.Body, c.maxBody+1))
	if err != nil {
		return nil, 0, &TransportError{Target: target, Err: fmt.Errorf("read reply (status %d): %w", resp.StatusCode, err)}
	}
	if int64(buf.Len()) > c.maxBody {
		return nil, 0, &TransportError{Target: target, Err: fmt.Errorf("%w: over %d bytes", errTooLarge, c.maxBody)}
	}
	body := bytes.Clone(buf.Bytes())
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, parseRetryAfter(resp.Header.Get("Retry-After")), apiError(target, resp.StatusCode, body)
	}
	return body, 0, nil
}

// unwrapURLError drops the *url.Error layer, which repeats method and URL.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func apiError(target string, status int, body []byte) *APIError {
	e := &APIError{Status: status, Target: target}
	var reply struct {
		ErrorType string `json:"error_type"`
		Message   string `json:"message"`
	}
	if json.Unmarshal(body, &reply) == nil && (reply.ErrorType != "" || reply.Message != "") {
		e.Type, e.Message = reply.ErrorType, reply.Message
		return e
	}
	const keep = 4096
	if len(body) > keep {
		body = body[:keep]
	}
	e.Body = body
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
