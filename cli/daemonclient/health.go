package daemonclient

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"

	"github.com/soracron/soracron/cli/exitcode"
)

// HealthURL is the /healthz URL of a serve listening on addr; 0.0.0.0 and
// :: are asked on loopback.
func HealthURL(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("--listen %q: want HOST:PORT, e.g. 127.0.0.1:8080", addr)
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
		if ip != nil && ip.To4() == nil {
			host = "::1"
		}
	}
	return "http://" + net.JoinHostPort(host, port) + "/healthz", nil
}

// Health asks url (serve's GET /healthz, which needs no token) and
// returns its body when it answers 200. A URL that makes no request is a
// usage error; no answer or another status is a failure ("unhealthy").
func Health(ctx context.Context, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, exitcode.UsageError(fmt.Errorf("healthcheck: %w", err))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, exitcode.Failed(fmt.Errorf("unhealthy: %w", err))
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	if resp.StatusCode != http.StatusOK {
		return nil, exitcode.Failed(fmt.Errorf("unhealthy: %s answered %s: %s", url, resp.Status, body))
	}
	return body, nil
}
