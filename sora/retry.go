package sora

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
)

// RetryClass says what a retry of a target may do when the first attempt
// was applied after all.
type RetryClass int

const (
	// RetryIdempotent targets leave the same state however often they are
	// applied (the metadata reads and writes, List*, Get*): any transient
	// failure is retried, including one after which the request may have
	// been applied.
	RetryIdempotent RetryClass = iota
	// RetryOnce targets have a side effect a retry repeats (Push*: the push
	// is delivered again): only failures that prove the request was not
	// applied are retried, unless Config.RetryAmbiguous says otherwise.
	RetryOnce
	// RetryDisconnect targets (Disconnect*) are retried like RetryOnce; when
	// a retry that follows an ambiguous failure answers
	// connection_not_found, the first attempt did the work and the call
	// succeeds with a null reply.
	RetryDisconnect
)

func (c RetryClass) String() string {
	switch c {
	case RetryIdempotent:
		return "idempotent"
	case RetryOnce:
		return "once"
	case RetryDisconnect:
		return "disconnect"
	}
	return fmt.Sprintf("RetryClass(%d)", int(c))
}

// Policies for failures after which a request may have been applied
// (Config.RetryAmbiguous).
const (
	// RetryAmbiguousAuto retries them for RetryIdempotent targets only.
	RetryAmbiguousAuto = "auto"
	// RetryAmbiguousAll retries them for every target: a push may then be
	// delivered more than once.
	RetryAmbiguousAll = "all"
	// RetryAmbiguousNone never retries them, not even metadata writes.
	RetryAmbiguousNone = "none"
)

// ParseRetryAmbiguous checks a policy name; "" is RetryAmbiguousAuto.
func ParseRetryAmbiguous(s string) (string, error) {
	switch s {
	case "", RetryAmbiguousAuto:
		return RetryAmbiguousAuto, nil
	case RetryAmbiguousAll, RetryAmbiguousNone:
		return s, nil
	}
	return "", fmt.Errorf("retry_ambiguous %q: want auto, all or none", s)
}

// RetryClassOf returns the retry class of a full target name: the table's
// entry for a known target; for any other, RetryIdempotent when its action
// only reads (List*, Get*), RetryDisconnect for Disconnect*, and RetryOnce
// otherwise (a target soracron does not know may have side effects).
func RetryClassOf(target string) RetryClass {
	if t, ok := lookup(target); ok && t.Name == target {
		return t.Retry
	}
	action := target[strings.IndexByte(target, '.')+1:]
	switch {
	case strings.HasPrefix(action, "List"), strings.HasPrefix(action, "Get"):
		return RetryIdempotent
	case strings.HasPrefix(action, "Disconnect"):
		return RetryDisconnect
	}
	return RetryOnce
}

// failure is what a failed attempt says about the request.
type failure int

const (
	// permanent: a retry would fail the same way (4xx, 500, TLS, redirect).
	permanent failure = iota
	// notApplied: the request was certainly not applied (not sent, or
	// answered 429 or 503), so a retry is safe for any target.
	notApplied
	// ambiguous: sent, and no reply that says what happened (timeout or
	// connection reset after sending, a 502 or 504 from a proxy).
	ambiguous
)

// classifyFailure reads an attempt's error; sent reports whether the whole
// request was written to the connection.
func classifyFailure(err error, sent bool) failure {
	var ae *APIError
	if errors.As(err, &ae) {
		switch ae.Status {
		case 429, 503:
			return notApplied
		case 502, 504:
			return ambiguous
		}
		return permanent
	}
	var te *TransportError
	var de *decodeError
	if !errors.As(err, &te) || errors.Is(te.Err, errTooLarge) || errors.As(te.Err, &de) || tlsFailure(te.Err) {
		return permanent
	}
	if !sent {
		return notApplied
	}
	return ambiguous
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
