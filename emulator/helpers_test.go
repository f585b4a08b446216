package emulator

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
)

// Fixed connection ids used across tests.
const (
	connA = "0FQE5EA5YN3FS13P01QZ1JG8R0"
	connB = "V3Q452QQBD5TQ6ZQDMTEDKA07C"
	connC = "7ZZZZZZZZZZZZZZZZZZZZZZZZZ"
)

// start serves a new Emulator on 127.0.0.1 for the duration of the test.
func start(t testing.TB, opts Options) (*Emulator, *Server) {
	t.Helper()
	e := New(opts)
	srv, err := Start(e, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return e, srv
}

// reply is one HTTP exchange's outcome.
type reply struct {
	status int
	header http.Header
	body   []byte
}

// call posts body to the Sora API with the given target ("" = no header).
func call(t testing.TB, url, target, body string) reply {
	t.Helper()
	return do(t, http.MethodPost, url, target, body)
}

func do(t testing.TB, method, url, target, body string) reply {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if target != "" {
		req.Header.Set("x-sora-target", target)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return reply{resp.StatusCode, resp.Header, b}
}

// decodeJSON decodes data exactly (json.Number).
func decodeJSON(t testing.TB, data []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("decode %q: %v", data, err)
	}
	return v
}

// jsonEqual fails unless got and want are the same JSON value.
func jsonEqual(t testing.TB, got []byte, want string) {
	t.Helper()
	if g, w := decodeJSON(t, got), decodeJSON(t, []byte(want)); !reflect.DeepEqual(g, w) {
		t.Errorf("JSON mismatch\n got: %s\nwant: %s", got, want)
	}
}

// errType returns error_type and message of an error body.
func errType(t testing.TB, body []byte) (string, string) {
	t.Helper()
	var e struct {
		ErrorType *string `json:"error_type"`
		Message   *string `json:"message"`
	}
	if err := json.Unmarshal(body, &e); err != nil || e.ErrorType == nil || e.Message == nil {
		t.Fatalf("not an error body {error_type, message}: %s", body)
	}
	return *e.ErrorType, *e.Message
}

// mustAdd adds a connection or fails the test.
func mustAdd(t testing.TB, e *Emulator, c Connection) Connection {
	t.Helper()
	got, err := e.AddConnection(c)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// fixedNow is a clock for deterministic created_time.
func fixedNow() time.Time { return time.Unix(1700000000, 0) }

// sessionOf returns the session id of a channel, "" when it has none.
func sessionOf(e *Emulator, channelID string) string {
	s := e.shard(channelID)
	s.mu.RLock()
	defer s.mu.RUnlock()
	if ch := s.channels[channelID]; ch != nil {
		return ch.sessionID
	}
	return ""
}
