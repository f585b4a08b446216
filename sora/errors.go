package sora

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// APIError is a non-2xx reply of the Sora API.
type APIError struct {
	// Status is the HTTP status code.
	Status int
	// Target is the full x-sora-target of the request.
	Target string
	// Type is the reply's error_type, empty when the body was not JSON;
	// "redirect" for a redirect, which the client does not follow.
	Type string
	// Message is the reply's message, empty when the body was not JSON.
	Message string
	// Body is the raw reply body (capped at 64 KiB).
	Body []byte
	// Fields is every field of a JSON object reply (error_type, message,
	// error_reason, anything Sora adds), numbers as json.Number; nil when
	// the reply was not a JSON object.
	Fields map[string]any
	// Location is the Location header of a redirect.
	Location string
}

// ErrTypeRedirect is the Type of the APIError of a redirect reply.
const ErrTypeRedirect = "redirect"

// isRedirect reports whether status asks the client to go elsewhere.
func isRedirect(status int) bool {
	switch status {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return true
	}
	return false
}

// redirectError is the error of a redirect reply: the client does not follow
// it (a POST would become a GET, and the body, custom headers and
// credentials would go to a host the user did not name).
func redirectError(target string, resp *http.Response) *APIError {
	loc := resp.Header.Get("Location")
	where := "redirected to " + loc
	if loc == "" {
		where = "redirected (no Location header)"
	}
	return &APIError{Status: resp.StatusCode, Target: target, Type: ErrTypeRedirect, Location: loc,
		Message: where + ": fix the URL (soracron does not follow redirects, so the body, headers and credentials go only to the host you named)"}
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: status %d", e.Target, e.Status)
	if e.Type != "" {
		b.WriteString(" ")
		b.WriteString(e.Type)
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.Type == "" && e.Message == "" && len(e.Body) > 0 {
		body := string(e.Body)
		if len(body) > 200 {
			body = body[:200] + "..."
		}
		fmt.Fprintf(&b, ": %q", body)
	}
	return b.String()
}

// Temporary reports whether a retry may succeed (429 and 502/503/504).
func (e *APIError) Temporary() bool { return retryableStatus(e.Status) }

// TransportError is a failure to get a reply at all: connection refused or
// reset, timeout, TLS failure, or a reply that could not be read or decoded.
type TransportError struct {
	// Target is the full x-sora-target of the request.
	Target string
	// Err is the underlying error.
	Err error
}

func (e *TransportError) Error() string { return fmt.Sprintf("%s: %v", e.Target, e.Err) }

// Unwrap returns the underlying error.
func (e *TransportError) Unwrap() error { return e.Err }

// ErrorType returns the Sora error_type of err ("connection_not_found", ...),
// or "" when err is not an *APIError.
func ErrorType(err error) string {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Type
	}
	return ""
}

func retryableStatus(status int) bool {
	switch status {
	case 429, 502, 503, 504:
		return true
	}
	return false
}
