package redact

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
)

func TestString(t *testing.T) {
	tests := []struct {
		name    string
		secrets []string
		in      string
		want    string
	}{
		{"no secret", nil, "token abc", "token abc"},
		{"empty secrets are ignored", []string{""}, "token abc", "token abc"},
		{"a secret", []string{"abc"}, "token abc and abc", "token [REDACTED] and [REDACTED]"},
		{"the longer secret first", []string{"abc", "abcdef"}, "abcdef", "[REDACTED]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := New(tc.secrets).String(tc.in); got != tc.want {
				t.Errorf("String(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestAddKeepsOldSecrets(t *testing.T) {
	r := New([]string{"old"})
	r.Add([]string{"new"})
	if got := r.String("old new"); got != "[REDACTED] [REDACTED]" {
		t.Errorf("String = %q", got)
	}
}

func TestJSON(t *testing.T) {
	r := New([]string{"s3cr<t"})
	tests := []struct {
		name, in, want string
	}{
		{"no secret: the data as is", `{"a": 1.50}`, `{"a": 1.50}`},
		{"in a value", `{"a":"x s3cr<t"}`, `{"a":"x [REDACTED]"}`},
		{"escaped", `["s3cr\u003ct"]`, `["[REDACTED]"]`},
		{"in a key", `{"s3cr<t":1}`, `{"[REDACTED]":1}`},
		{"not JSON", `s3cr<t`, `"[REDACTED]"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := string(r.JSON([]byte(tc.in))); got != tc.want {
				t.Errorf("JSON(%s) = %s, want %s", tc.in, got, tc.want)
			}
		})
	}
}

func TestHandler(t *testing.T) {
	var buf bytes.Buffer
	r := New([]string{"tok"})
	log := slog.New(r.Handler(slog.NewTextHandler(&buf, nil))).With(slog.String("with", "tok"))
	log.Info("calling with tok", slog.Any("error", errors.New("failed: tok")),
		slog.Group("g", slog.String("k", "tok")), slog.String("long", strings.Repeat("x", maxLogValue+10)))
	out := buf.String()
	if strings.Contains(out, "tok") {
		t.Errorf("the secret is in the log: %s", out)
	}
	for _, want := range []string{`msg="calling with [REDACTED]"`, `with=[REDACTED]`, `error="failed: [REDACTED]"`, `g.k=[REDACTED]`} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %s: %s", want, out)
		}
	}
	if strings.Contains(out, strings.Repeat("x", maxLogValue+1)) {
		t.Errorf("a value over %d bytes was not cut", maxLogValue)
	}
}
