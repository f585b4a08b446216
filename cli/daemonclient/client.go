package daemonclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/soracron/soracron/cli/exitcode"
)

// DefaultServer is the daemon the client commands talk to by default:
// serve's default --listen.
const DefaultServer = "http://127.0.0.1:8080"

// Client calls the HTTP API of a running serve.
type Client struct {
	base  *url.URL
	token string
	http  *http.Client
}

// New returns a client of the daemon at server (an http or https URL).
func New(server string) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(server, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("--server %q: want a URL such as %s", server, DefaultServer)
	}
	return &Client{base: u, http: &http.Client{Timeout: time.Minute}}, nil
}

// SetToken makes the client send token as "Authorization: Bearer TOKEN"
// ("" for none).
func (c *Client) SetToken(token string) { c.token = token }

// APIError is an error reply of the daemon.
type APIError struct {
	Status int
	Msg    string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("%d %s: %s", e.Status, http.StatusText(e.Status), e.Msg)
}

// do sends a request and decodes the JSON reply into v (if not nil).
func (c *Client) do(ctx context.Context, method, path string, body, v any) error {
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base.String()+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("cannot reach the daemon at %s (is serve running? see --server): %w", c.base, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if resp.StatusCode >= 300 {
		var e struct{ Error string }
		if json.Unmarshal(data, &e) != nil || e.Error == "" {
			e.Error = strings.TrimSpace(string(data))
		}
		if resp.StatusCode == http.StatusUnauthorized {
			e.Error += " (give --token-file or set SORACRON_TOKEN)"
		}
		return &APIError{Status: resp.StatusCode, Msg: e.Error}
	}
	if v == nil {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%s %s: unexpected reply: %w", method, path, err)
	}
	return nil
}

// WithExitCode marks a client error with its exit code: 2 for a request
// the daemon refused as bad (400, 404), 1 otherwise.
func WithExitCode(err error) error {
	var ae *APIError
	if errors.As(err, &ae) && (ae.Status == http.StatusBadRequest || ae.Status == http.StatusNotFound) {
		return exitcode.UsageError(err)
	}
	return exitcode.Failed(err)
}
