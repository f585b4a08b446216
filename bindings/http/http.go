package http

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/soracron/soracron/sora"
)

// Defaults of Options.
const (
	DefaultTimeout      = 10 * time.Second
	DefaultMaxBodyBytes = 8 << 20
	DefaultAttempts     = sora.DefaultAttempts
	maxRedirects        = 10
)

// DefaultSetting names how to allow a host, in the error of a request to a
// host not allowed.
const DefaultSetting = "http.allow in jobs.yaml, or --allow-http HOST on soracron run"

// Options configure the http module of one run.
type Options struct {
	// Allow lists the hosts requests may go to; none when empty (the
	// module is then off).
	Allow []string
	// Setting names where hosts are allowed, for the error of a request to
	// a host not allowed; DefaultSetting when empty.
	Setting string
	// Transport sends the requests; a new one from NewTransport when nil
	// (engines pass one they share between runs).
	Transport http.RoundTripper
	// Timeout bounds each attempt unless the script passes opts.timeout;
	// DefaultTimeout when zero.
	Timeout time.Duration
	// MaxBodyBytes caps the response body read; DefaultMaxBodyBytes when zero.
	MaxBodyBytes int64
	// Attempts is the number of attempts of an idempotent request;
	// DefaultAttempts when zero.
	Attempts int
	// BackoffBase and BackoffMax shape the wait between attempts (the Sora
	// client's defaults when zero).
	BackoffBase, BackoffMax time.Duration
}

// Module is the http module of one run.
type Module struct {
	opts   Options
	client *http.Client
}

// NewTransport returns a transport for Options.Transport, to share between
// the runs of an engine (its keep-alive connections are reused).
func NewTransport() *http.Transport {
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          64,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   5 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}

// New returns the http module of a run.
func New(opts Options) *Module {
	if opts.Setting == "" {
		opts.Setting = DefaultSetting
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.Attempts <= 0 {
		opts.Attempts = DefaultAttempts
	}
	if opts.BackoffBase <= 0 {
		opts.BackoffBase = sora.DefaultBackoffBase
	}
	if opts.BackoffMax <= 0 {
		opts.BackoffMax = sora.DefaultBackoffMax
	}
	tr := opts.Transport
	if tr == nil {
		tr = NewTransport()
	}
	m := &Module{opts: opts}
	m.client = &http.Client{Transport: tr, CheckRedirect: m.checkRedirect}
	return m
}

// functions is the module's function table.
func (m *Module) functions() map[string]lua.LGFunction {
	return map[string]lua.LGFunction{
		"get":     m.get,
		"post":    m.post,
		"request": m.request,
	}
}

// Loader is the lua.LGFunction of require("http").
func (m *Module) Loader(L *lua.LState) int {
	api := m.functions()
	L.Push(L.SetFuncs(L.CreateTable(0, len(api)), api))
	return 1
}

// Allowed reports whether a request to u may be sent.
func (m *Module) Allowed(u *url.URL) bool {
	host := strings.ToLower(u.Hostname())
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	for _, a := range m.opts.Allow {
		a = strings.ToLower(strings.TrimSpace(a))
		h, p, err := net.SplitHostPort(a)
		if err != nil {
			h, p = strings.Trim(a, "[]"), ""
		}
		if p != "" && p != port {
			continue
		}
		if h == host || strings.HasPrefix(h, "*.") && strings.HasSuffix(host, h[1:]) {
			return true
		}
	}
	return false
}

func (m *Module) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= maxRedirects {
		return fmt.Errorf("stopped after %d redirects", maxRedirects)
	}
	if !m.Allowed(req.URL) {
		return &redirectError{host: req.URL.Host}
	}
	return nil
}

type redirectError struct{ host string }

func (e *redirectError) Error() string {
	return fmt.Sprintf("redirect to %s, a host not allowed", e.host)
}

func (m *Module) get(L *lua.LState) int {
	return m.do(L, "http.get", http.MethodGet, L.CheckString(1), nil, optTable(L, 2))
}

func (m *Module) post(L *lua.LState) int {
	body := L.CheckString(2)
	return m.do(L, "http.post", http.MethodPost, L.CheckString(1), &body, optTable(L, 3))
}

func (m *Module) request(L *lua.LState) int {
	method := strings.ToUpper(L.CheckString(1))
	if method == "" || strings.ContainsAny(method, " \t\r\n") {
		L.ArgError(1, "invalid method")
	}
	opts := optTable(L, 3)
	var body *string
	if opts != nil {
		switch b := opts.RawGetString("body").(type) {
		case *lua.LNilType:
		case lua.LString:
			s := string(b)
			body = &s
		default:
			L.ArgError(3, "opts.body must be a string, got "+b.Type().String())
		}
	}
	return m.do(L, "http.request", method, L.CheckString(2), body, opts)
}

// optTable returns the options table at n, nil when absent.
func optTable(L *lua.LState, n int) *lua.LTable {
	if L.Get(n) == lua.LNil {
		return nil
	}
	return L.CheckTable(n)
}

// reqOpts are the options of one request.
type reqOpts struct {
	headers  http.Header
	timeout  time.Duration
	attempts int
	secrets  []string
}

// options reads the options table at argument n, raising on unknown keys.
func (m *Module) options(L *lua.LState, op string, n int, t *lua.LTable) reqOpts {
	o := reqOpts{headers: http.Header{}, timeout: m.opts.Timeout, attempts: m.opts.Attempts}
	if t == nil {
		return o
	}
	t.ForEach(func(k, v lua.LValue) {
		switch k.String() {
		case "headers":
			ht, ok := v.(*lua.LTable)
			if !ok {
				L.ArgError(n, "opts.headers must be a table of strings")
			}
			ht.ForEach(func(hk, hv lua.LValue) {
				name, ok1 := hk.(lua.LString)
				val, ok2 := hv.(lua.LString)
				if !ok1 || !ok2 || strings.ContainsAny(string(val), "\r\n\x00") {
					L.ArgError(n, "opts.headers must map header names to strings without line breaks")
				}
				o.headers.Add(string(name), string(val))
				for _, x := range []string{string(val), lastField(string(val))} {
					if len(x) >= minSecret {
						o.secrets = append(o.secrets, x)
					}
				}
			})
		case "timeout":
			secs, ok := v.(lua.LNumber)
			if !ok || math.IsNaN(float64(secs)) || secs <= 0 || float64(secs) > 3600 {
				L.ArgError(n, "opts.timeout must be a number of seconds in (0, 3600]")
			}
			o.timeout = time.Duration(float64(secs) * float64(time.Second))
		case "attempts":
			a, ok := v.(lua.LNumber)
			if !ok || a < 1 || a > 10 || a != lua.LNumber(int(a)) {
				L.ArgError(n, "opts.attempts must be an integer from 1 to 10")
			}
			o.attempts = int(a)
		case "body":
			if op != "http.request" {
				L.ArgError(n, "opts.body is for http.request (http.post takes the body as its second argument)")
			}
		default:
			L.ArgError(n, fmt.Sprintf("unknown option %q (want headers, timeout, attempts%s)", k.String(),
				map[bool]string{true: ", body"}[op == "http.request"]))
		}
	})
	slices.SortFunc(o.secrets, func(a, b string) int { return len(b) - len(a) })
	return o
}

// minSecret is the shortest header value that is redacted (as in the
// Sora client's configuration).
const minSecret = 8

// lastField returns the last space-separated field of s when there are
// several ("TOKEN" of "Bearer TOKEN").
func lastField(s string) string {
	f := strings.Fields(s)
	if len(f) < 2 {
		return ""
	}
	return f[len(f)-1]
}

// addQuerySecrets adds the values of u's query parameters (as long as
// header values to be secrets) to the secrets.
func (o *reqOpts) addQuerySecrets(u *url.URL) {
	for _, vs := range u.Query() {
		for _, v := range vs {
			if len(v) >= minSecret {
				o.secrets = append(o.secrets, v)
			}
		}
	}
	slices.SortFunc(o.secrets, func(a, b string) int { return len(b) - len(a) })
}

// redacted is what replaces a secret in error messages.
const redacted = "[REDACTED]"

// redact removes the request's secrets from s.
func (o *reqOpts) redact(s string) string {
	for _, x := range o.secrets {
		s = strings.ReplaceAll(s, x, redacted)
	}
	return s
}

// displayURL is u without its password and query values.
func displayURL(u *url.URL) string {
	c := *u
	if _, ok := c.User.Password(); ok {
		c.User = url.UserPassword(c.User.Username(), "xxxxx")
	}
	if c.RawQuery != "" {
		c.RawQuery = redacted
	}
	c.Fragment = ""
	return c.String()
}

// do sends one request and pushes its results.
func (m *Module) do(L *lua.LState, op, method, rawURL string, body *string, optT *lua.LTable) int {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		L.ArgError(1, fmt.Sprintf("want an http:// or https:// URL, got %q", rawURL))
	}
	if !m.Allowed(u) {
		if len(m.opts.Allow) == 0 {
			L.RaiseError("%s: host %q is not allowed: http is off (allow hosts with %s)", op, u.Hostname(), m.opts.Setting)
		}
		L.RaiseError("%s: host %q is not allowed (allowed: %s; add it with %s)", op, u.Hostname(), strings.Join(m.opts.Allow, ", "), m.opts.Setting)
	}
	o := m.options(L, op, 3, optT)
	o.addQuerySecrets(u)
	ctx := L.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	resp, herr := m.send(ctx, method, u, body, &o)
	if herr != nil {
		herr.op, herr.url = op, displayURL(u)
		herr.message = o.redact(herr.message)
		herr.body = o.redact(herr.body)
		L.Push(lua.LNil)
		L.Push(herr.table(L))
		return 2
	}
	t := L.CreateTable(0, 3)
	t.RawSetString("status", lua.LNumber(resp.status))
	ht := L.CreateTable(0, len(resp.header))
	for k, vs := range resp.header {
		ht.RawSetString(strings.ToLower(k), lua.LString(strings.Join(vs, ", ")))
	}
	t.RawSetString("headers", ht)
	t.RawSetString("body", lua.LString(resp.body))
	L.Push(t)
	return 1
}

// response is a 2xx reply.
type response struct {
	status int
	header http.Header
	body   []byte
}

// idempotent reports whether method may be retried.
func idempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodOptions:
		return true
	}
	return false
}

// send makes the attempts of one request.
func (m *Module) send(ctx context.Context, method string, u *url.URL, body *string, o *reqOpts) (*response, *httpError) {
	attempts := 1
	if idempotent(method) {
		attempts = o.attempts
	}
	for attempt := 1; ; attempt++ {
		resp, retryAfter, herr := m.attempt(ctx, method, u, body, o)
		if herr == nil {
			return resp, nil
		}
		if ctx.Err() != nil {
			return nil, ctxError(ctx, attempt)
		}
		if attempt >= attempts || !herr.retryable {
			if attempt > 1 {
				herr.message += fmt.Sprintf(" (after %d attempts)", attempt)
			}
			return nil, herr
		}
		wait := sora.Backoff(m.opts.BackoffBase, m.opts.BackoffMax, attempt)
		if retryAfter > 0 {
			wait = retryAfter
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctxError(ctx, attempt)
		case <-t.C:
		}
	}
}

// ctxError is the error of a request ended by the run's context.
func ctxError(ctx context.Context, attempts int) *httpError {
	typ := "cancelled"
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		typ = "timeout"
	}
	return &httpError{typ: typ, message: fmt.Sprintf("the run ended (%v) after %d attempts", ctx.Err(), attempts)}
}

// attempt sends the request once.
func (m *Module) attempt(ctx context.Context, method string, u *url.URL, body *string, o *reqOpts) (*response, time.Duration, *httpError) {
	actx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = strings.NewReader(*body)
	}
	req, err := http.NewRequestWithContext(actx, method, u.String(), rd)
	if err != nil {
		return nil, 0, &httpError{typ: "transport", message: err.Error()}
	}
	req.Header = o.headers.Clone()
	resp, err := m.client.Do(req)
	if err != nil {
		var re *redirectError
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		switch {
		case errors.As(err, &re):
			return nil, 0, &httpError{typ: "redirect", message: re.Error() + " (add it with " + m.opts.Setting + ")"}
		case actx.Err() != nil && ctx.Err() == nil:
			return nil, 0, &httpError{typ: "timeout", message: fmt.Sprintf("no reply within %s", o.timeout), retryable: true}
		}
		return nil, 0, &httpError{typ: "transport", message: err.Error(), retryable: !sora.TLSFailure(err)}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, m.opts.MaxBodyBytes+1))
	if err != nil {
		return nil, 0, &httpError{typ: "transport", status: resp.StatusCode, message: fmt.Sprintf("read reply (status %d): %v", resp.StatusCode, err), retryable: true}
	}
	if int64(len(data)) > m.opts.MaxBodyBytes {
		return nil, 0, &httpError{typ: "too_large", status: resp.StatusCode, message: fmt.Sprintf("reply body over %d bytes", m.opts.MaxBodyBytes)}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, sora.ParseRetryAfter(resp.Header.Get("Retry-After")), &httpError{
			typ: "http_error", status: resp.StatusCode, body: string(data),
			message: fmt.Sprintf("status %d", resp.StatusCode), retryable: sora.RetryableStatus(resp.StatusCode),
		}
	}
	return &response{status: resp.StatusCode, header: resp.Header, body: data}, 0, nil
}
