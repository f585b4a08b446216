package soraerr

import (
	"context"
	"errors"
	"fmt"
	"strings"

	luajson "github.com/soracron/soracron/bindings/json"
	"github.com/soracron/soracron/sora"
)

// Error types of a sora error table besides Sora's own error_type.
const (
	TypeTransport = "transport"
	TypeTimeout   = "timeout"
	TypeCancelled = "cancelled"
	TypeHTTP      = "http_error"
	TypeDecode    = "decode"
	TypeDryRun    = "dry_run"
)

// ErrDryRun is returned by sora.call in a dry run for a target that may
// change state and is not one of the metadata writes.
var ErrDryRun = errors.New("not sent in a dry run: only reads (List*, Get*) and the metadata writes are allowed")

// Fields are the fields of a sora error table.
type Fields struct {
	// Status is the HTTP status, 0 when there was no reply.
	Status int
	// Type is the err.type (Sora's error_type, or one of the Type
	// constants), Message the message and Target the request's target.
	Type, Message, Target string
}

// Format renders the error of the function op (and of the write of key,
// when not empty) as one line, as the __tostring of error tables does.
func (f Fields) Format(op, key string) string {
	var b strings.Builder
	if op != "" {
		b.WriteString(op)
		b.WriteString(": ")
	}
	if f.Target != "" {
		b.WriteString(f.Target)
		b.WriteString(": ")
	}
	if f.Status > 0 {
		fmt.Fprintf(&b, "status %d", f.Status)
		if f.Type != "" && f.Type != TypeHTTP {
			b.WriteString(" ")
			b.WriteString(f.Type)
		}
		if f.Message != "" {
			b.WriteString(": ")
			b.WriteString(f.Message)
		}
	} else {
		if f.Type == TypeDryRun {
			b.WriteString("dry run: ")
		}
		b.WriteString(f.Message)
	}
	if key != "" {
		fmt.Fprintf(&b, " (key %q)", key)
	}
	return b.String()
}

// Classify turns an error of the client (or of the module) into the fields
// of a Lua error table; target is the request's target when err does not
// carry one.
func Classify(err error, target string) Fields {
	f := Fields{Target: target}
	var ae *sora.APIError
	var te *sora.TransportError
	var pe *luajson.PathError
	switch {
	case errors.As(err, &ae):
		f.Status, f.Target = ae.Status, ae.Target
		f.Type, f.Message = ae.Type, ae.Message
		if f.Type == "" {
			f.Type = TypeHTTP
		}
		if f.Message == "" && len(ae.Body) > 0 {
			body := string(ae.Body)
			if len(body) > 200 {
				body = body[:200] + "..."
			}
			f.Message = fmt.Sprintf("%q", body)
		}
	case errors.As(err, &te):
		f.Target = te.Target
		f.Message = strings.TrimPrefix(err.Error(), te.Target+": ")
		switch {
		case errors.Is(err, context.DeadlineExceeded):
			f.Type = TypeTimeout
		case errors.Is(err, context.Canceled):
			f.Type = TypeCancelled
		case strings.Contains(f.Message, "decode reply"):
			f.Type = TypeDecode
		default:
			f.Type = TypeTransport
		}
	case errors.Is(err, ErrDryRun):
		f.Type, f.Message = TypeDryRun, err.Error()
	case errors.As(err, &pe):
		f.Type, f.Message = TypeDecode, "decode reply: "+err.Error()
	case errors.Is(err, context.DeadlineExceeded):
		f.Type, f.Message = TypeTimeout, err.Error()
	case errors.Is(err, context.Canceled):
		f.Type, f.Message = TypeCancelled, err.Error()
	default:
		f.Type, f.Message = TypeTransport, err.Error()
	}
	return f
}

// Retarget makes err (the failed read that preceded a dry-run write) read as
// a failure of target: connection_not_found of the read is the reply the
// write would have had.
func Retarget(err error, target string) error {
	var ae *sora.APIError
	if errors.As(err, &ae) {
		c := *ae
		c.Target = target
		return &c
	}
	var te *sora.TransportError
	if errors.As(err, &te) {
		return &sora.TransportError{Target: target, Err: te.Err}
	}
	return err
}
