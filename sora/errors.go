package sora

import (
	"errors"
	"fmt"
	"strings"
)

// APIError is a non-2xx reply of the Sora API.
type APIError struct {
	// Status is the HTTP status code.
	Status int
	// Target is the full x-sora-target of the request.
	Target string
	// Type is the reply's error_type, empty when the body was not JSON.
	Type string
	// Message is the reply's message, empty when the body was not JSON.
	Message string
	// Body is the raw reply body (capped), kept when it was not a JSON error object.
	Body []byte
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
