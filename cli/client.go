package cli

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

	"github.com/spf13/pflag"
)

// defaultServer is the daemon the client commands talk to by default:
// serve's default --listen.
const defaultServer = "http://127.0.0.1:8080"

// clientFlags are the flags of the commands that talk to a running serve
// (jobs, runs, logs, trigger, suspend, resume).
type clientFlags struct {
	server    string
	tokenFile string
	output    string
}

func (f *clientFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.server, "server", defaultServer, "URL of the daemon's HTTP API (serve --listen)")
	fs.StringVar(&f.tokenFile, "token-file", "", "file holding the API token (default: $SORACRON_TOKEN)")
	fs.StringVarP(&f.output, "output", "o", "table", "output format: table or json")
}

// apiClient calls the HTTP API of a running serve.
type apiClient struct {
	base  *url.URL
	token string
	http  *http.Client
}

// newAPIClient checks the client flags and returns a client.
func newAPIClient(app *App, f *clientFlags) (*apiClient, error) {
	if f.output != "table" && f.output != "json" {
		return nil, usageErr(fmt.Errorf("--output %q: want table or json", f.output))
	}
	u, err := url.Parse(strings.TrimRight(f.server, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, usageErr(fmt.Errorf("--server %q: want a URL such as %s", f.server, defaultServer))
	}
	c := &apiClient{base: u, http: &http.Client{Timeout: time.Minute}}
	switch {
	case f.tokenFile != "":
		if c.token, err = readToken(f.tokenFile, func(msg string) { fmt.Fprintln(app.Stderr, "warning:", msg) }); err != nil {
			return nil, usageErr(err)
		}
	default:
		c.token = strings.TrimSpace(app.Getenv("SORACRON_TOKEN"))
	}
	return c, nil
}

// apiError is an error reply of the daemon.
type apiError struct {
	Status int
	Msg    string
}

func (e *apiError) Error() string {
	return fmt.Sprintf("%d %s: %s", e.Status, http.StatusText(e.Status), e.Msg)
}

// do sends a request and decodes the JSON reply into v (if not nil).
func (c *apiClient) do(ctx context.Context, method, path string, body, v any) error {
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
		return &apiError{Status: resp.StatusCode, Msg: e.Error}
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

// clientErr maps a client error to an exit code: 2 for a request the
// daemon refused as bad (400, 404), 1 otherwise.
func clientErr(err error) error {
	var ae *apiError
	if errors.As(err, &ae) && (ae.Status == http.StatusBadRequest || ae.Status == http.StatusNotFound) {
		return usageErr(err)
	}
	return failErr(err)
}

// writeJSONOut writes v as indented JSON.
func writeJSONOut(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// ago formats the time since t as kubectl does ("45s", "3m", "2h", "4d"),
// "<none>" for nil.
func ago(t *time.Time, now time.Time) string {
	if t == nil {
		return "<none>"
	}
	return shortDuration(now.Sub(*t))
}

// until formats the time until t ("in 8s"), "<none>" for nil.
func until(t *time.Time, now time.Time) string {
	if t == nil {
		return "<none>"
	}
	d := t.Sub(now)
	if d < 0 {
		return "due"
	}
	return "in " + shortDuration(d)
}

// shortDuration is d in its largest unit, kubectl style.
func shortDuration(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	default:
		return fmt.Sprintf("%dd", int(d.Hours()/24))
	}
}
