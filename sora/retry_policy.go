package sora

import (
	"math/rand/v2"
	"time"
)

// The retry policy of the client, for other HTTP clients of soracron (the
// Lua http module) that must behave the same way.

// RetryableStatus reports whether a reply with this HTTP status may succeed
// when retried: 429, 502, 503 and 504.
func RetryableStatus(status int) bool { return retryableStatus(status) }

// ParseRetryAfter reads a Retry-After header (delay-seconds or an HTTP
// date); 0 when absent or invalid. It is capped as the client caps it by
// default (DefaultMaxRetryAfter).
func ParseRetryAfter(v string) time.Duration { return min(parseRetryAfter(v), DefaultMaxRetryAfter) }

// Backoff returns the wait after the given attempt (from 1): base doubled
// at each attempt, capped at max, with jitter in [d/2, d].
func Backoff(base, max time.Duration, attempt int) time.Duration {
	d := base << (attempt - 1)
	if d > max || d <= 0 {
		d = max
	}
	half := d / 2
	return half + rand.N(half+1)
}

// TLSFailure reports whether err is a TLS verification or protocol failure,
// which a retry does not cure.
func TLSFailure(err error) bool { return tlsFailure(err) }
