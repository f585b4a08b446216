package emulator

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/soracron/soracron/emulator/target"
)

// fuzzTargets are the targets a fuzzed request picks from ("" is a missing
// header, the last an unknown target).
var fuzzTargets = append(target.Names(), "", "Sora_20201124.Bogus")

// fuzzValues are JSON values (valid and not) a structured request uses.
var fuzzValues = []string{
	`1`, `"s"`, `null`, `{"a":[1,2,{"b":null}]}`, `[]`, `{}`, `true`, `-0`, `1e400`, `12345678901234567890`,
	`"\ud800"`, `"\u0000"`, `{"a":1,"a":2}`, `[`, ``, `"unterminated`, `{"k":}`, `0.1`, `"é"`, `[[[[[[[[1]]]]]]]]`,
}

// fuzzReader reads the fuzz input byte by byte (0 once it is used up).
type fuzzReader struct{ b []byte }

func (r *fuzzReader) byte() byte {
	if len(r.b) == 0 {
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *fuzzReader) bytes(n int) []byte {
	n = min(n, len(r.b))
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

// FuzzHandler sends sequences of requests built from the input to one
// Emulator (through ServeHTTP and a recorder): the Sora API with random
// targets and bodies (structured ones naming real connections, with valid
// and invalid values, and raw bytes), the admin API, and fault rules. It
// checks that the emulator never panics, that every reply is JSON with a
// status the emulator documents (an error reply being {"error_type",
// "message"}), and afterwards that every connection's metadata is a JSON
// object whose parsed form matches its encoding, that List agrees, and that
// every recorded push is valid JSON. Seeds live in testdata/fuzz/FuzzHandler.
//
//	go test -run '^$' -fuzz '^FuzzHandler$' -fuzztime 5s ./emulator/
func FuzzHandler(f *testing.F) {
	f.Add([]byte{0, 4, 0, 1, 3, 0, 1, 1, 1, 5, 0, 1, 5, 3, 2, 1, 0})
	f.Add([]byte("\x05\x02\x10{\"channel_id\":1}\x06\x80\x00\x03\x00\x04\x01\x02ab\x03\x01"))
	f.Fuzz(func(t *testing.T, data []byte) {
		e := New(Options{Seed: 1, MaxEvents: 64})
		ids := e.Generate("sora", 3)
		ids = append(ids, "0FQE5EA5YN3FS13P01QZ1JG8R0") // not connected
		r := &fuzzReader{b: data}
		for ops := 0; len(r.b) > 0 && ops < 64; ops++ {
			switch op := r.byte() % 8; op {
			case 6: // set faults
				fail, drop, status := r.byte(), r.byte(), r.byte()
				err := e.SetFaults(Faults{Seed: uint64(fail), Rules: []FaultRule{{
					Targets:  fuzzTargetSet(r.byte()),
					FailRate: float64(fail) / 255, DropRate: float64(drop%64) / 255, FailStatus: 400 + int(status)%200,
				}}})
				if err != nil {
					t.Fatalf("valid faults refused: %v", err)
				}
			case 7: // admin
				fuzzAdmin(t, e, r)
			default:
				target := fuzzTargets[int(r.byte())%len(fuzzTargets)]
				var body []byte
				if op == 5 {
					body = r.bytes(int(r.byte()))
				} else {
					body = fuzzBody(r, ids)
				}
				serveFuzz(t, e, http.MethodPost, "/", target, body)
			}
		}
		checkState(t, e)
	})
}

// fuzzTargetSet picks the targets of a fault rule.
func fuzzTargetSet(b byte) []string {
	if b%2 == 0 {
		return nil
	}
	names := target.Names()
	return []string{names[int(b/2)%len(names)]}
}

// fuzzBody builds a request body with the usual keys, some of them wrong.
func fuzzBody(r *fuzzReader, ids []string) []byte {
	flags := r.byte()
	var b bytes.Buffer
	b.WriteByte('{')
	sep := func() {
		if b.Len() > 1 {
			b.WriteByte(',')
		}
	}
	if flags&1 == 0 {
		sep()
		b.WriteString(`"channel_id":"sora"`)
	} else if flags&2 == 0 {
		sep()
		b.WriteString(`"channel_id":` + strconv.Quote(string(r.bytes(int(r.byte()%8)))))
	}
	if flags&4 == 0 {
		sep()
		b.WriteString(`"connection_id":"` + ids[int(r.byte())%len(ids)] + `"`)
	}
	if flags&8 == 0 {
		sep()
		b.WriteString(`"key":` + strconv.Quote(string(r.bytes(int(r.byte()%6)))))
	}
	val := fuzzValues[int(r.byte())%len(fuzzValues)]
	if flags&16 == 0 {
		sep()
		b.WriteString(`"value":` + val)
	}
	if flags&32 == 0 {
		sep()
		b.WriteString(`"metadata":` + val)
	}
	if flags&64 == 0 {
		sep()
		b.WriteString(`"data":` + val)
	}
	if flags&128 == 0 {
		sep()
		b.WriteString(`"push":` + []string{"true", "false", `"yes"`, "1"}[r.byte()%4])
	}
	b.WriteByte('}')
	return b.Bytes()
}

// fuzzAdmin sends one admin API request.
func fuzzAdmin(t *testing.T, e *Emulator, r *fuzzReader) {
	switch r.byte() % 5 {
	case 0:
		body := `{"channel_id":"sora","metadata":` + fuzzValues[int(r.byte())%len(fuzzValues)] + `}`
		serveFuzz(t, e, http.MethodPost, "/emulator/connections", "", []byte(body))
	case 1:
		ids := e.Connections("sora")
		if len(ids) > 0 {
			serveFuzz(t, e, http.MethodDelete, "/emulator/connections/sora/"+ids[int(r.byte())%len(ids)].ConnectionID, "", nil)
		}
	case 2:
		serveFuzz(t, e, http.MethodPut, "/emulator/faults", "", r.bytes(int(r.byte())))
	case 3:
		serveFuzz(t, e, http.MethodGet, "/emulator/state", "", nil)
	default:
		serveFuzz(t, e, http.MethodPost, "/emulator/generate", "", []byte(`{"channel_id":"sora","count":`+strconv.Itoa(int(r.byte()%4))+`}`))
	}
}

// serveFuzz serves one request and checks its reply.
func serveFuzz(t *testing.T, e *Emulator, method, path, target string, body []byte) {
	t.Helper()
	// The client is already gone: hung and delayed requests (fault rules
	// the fuzzer may PUT) end at once instead of blocking the fuzzer.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req := httptest.NewRequestWithContext(ctx, method, path, bytes.NewReader(body))
	if target != "" {
		req.Header.Set("x-sora-target", target)
	}
	rec := httptest.NewRecorder()
	if dropped := serveRecovering(e, rec, req); dropped {
		return // an injected drop: no reply, as intended
	}
	if rec.Code == http.StatusNoContent {
		return
	}
	got := rec.Body.Bytes()
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Fatalf("%s %s %s: content type %q, body %q", method, path, target, ct, got)
	}
	if !json.Valid(got) {
		t.Fatalf("%s %s %s %q: reply %d is not JSON: %q", method, path, target, body, rec.Code, got)
	}
	switch {
	case rec.Code == 200 || rec.Code == 201:
	case rec.Code >= 400 && rec.Code <= 599:
		var eb struct {
			Type    *string `json:"error_type"`
			Message *string `json:"message"`
		}
		if json.Unmarshal(got, &eb) != nil || eb.Type == nil || eb.Message == nil || *eb.Type == "" {
			t.Fatalf("%s %s %s: error reply %d without error_type and message: %q", method, path, target, rec.Code, got)
		}
	default:
		t.Fatalf("%s %s %s: status %d", method, path, target, rec.Code)
	}
}

// serveRecovering serves req, reporting an injected drop (which aborts the
// handler with http.ErrAbortHandler, a recorder cannot be hijacked).
func serveRecovering(e *Emulator, w http.ResponseWriter, req *http.Request) (dropped bool) {
	defer func() {
		if r := recover(); r != nil {
			if err, ok := r.(error); ok && errors.Is(err, http.ErrAbortHandler) {
				dropped = true
				return
			}
			panic(r)
		}
	}()
	e.ServeHTTP(w, req)
	return false
}

// checkState checks the emulator's invariants.
func checkState(t *testing.T, e *Emulator) {
	t.Helper()
	for i := range e.shards {
		s := &e.shards[i]
		s.mu.RLock()
		for chID, ch := range s.channels {
			for id, c := range ch.conns {
				c.mu.Lock()
				enc, md := c.enc, c.md
				c.mu.Unlock()
				var obj map[string]json.RawMessage
				if !json.Valid(enc) || json.Unmarshal(enc, &obj) != nil || obj == nil {
					t.Fatalf("%s/%s: metadata %q is not a JSON object", chID, id, enc)
				}
				if again := md.encode(); !bytes.Equal(again, enc) {
					t.Fatalf("%s/%s: encoding %q differs from the parsed metadata %q", chID, id, enc, again)
				}
				if len(obj) != len(md) {
					t.Fatalf("%s/%s: %d keys in %q, %d parsed (duplicate keys?)", chID, id, len(obj), enc, len(md))
				}
			}
		}
		s.mu.RUnlock()
	}
	_ = e.SetFaults(Faults{}) // List must answer
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{"channel_id":"sora"}`))
	req.Header.Set("x-sora-target", target.List)
	e.ServeHTTP(rec, req)
	var list []struct {
		ConnectionID string          `json:"connection_id"`
		Metadata     json.RawMessage `json:"metadata"`
	}
	if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &list) != nil {
		t.Fatalf("list: %d %q", rec.Code, rec.Body)
	}
	conns := e.Connections("sora")
	if len(list) != len(conns) {
		t.Fatalf("list has %d connections, Connections %d", len(list), len(conns))
	}
	for _, l := range list {
		if len(l.Metadata) == 0 || l.Metadata[0] != '{' {
			t.Fatalf("list: metadata of %s is %q", l.ConnectionID, l.Metadata)
		}
	}
	for _, d := range e.Deliveries("") {
		if !json.Valid(d.Message) {
			t.Fatalf("delivery %d is not JSON: %q", d.Seq, d.Message)
		}
	}
}
