package emulator

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/soracron/soracron/emulator/target"
)

// putBody is the body of a PutItem of key=value on conn in channel sora.
func putBody(conn, key string, value int) string {
	return fmt.Sprintf(`{"channel_id":"sora","connection_id":%q,"key":%q,"value":%d}`, conn, key, value)
}

// serveRec serves one Sora API request through a recorder.
func serveRec(e *Emulator, target, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
	req.Header.Set("x-sora-target", target)
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	return rec
}

// failedKeys sends PutItem of keys k0..k(n-1) once each and returns the
// indexes of those that failed with status.
func failedKeys(t *testing.T, e *Emulator, conn string, n, status int) []int {
	t.Helper()
	var failed []int
	for i := range n {
		rec := serveRec(e, target.PutItem, putBody(conn, fmt.Sprintf("k%d", i), i))
		switch rec.Code {
		case http.StatusOK:
		case status:
			typ, msg := errType(t, rec.Body.Bytes())
			if typ != ErrInjectedFault || !strings.Contains(msg, "injected fault") {
				t.Fatalf("failure body %s", rec.Body)
			}
			failed = append(failed, i)
		default:
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
	return failed
}

func TestFaultFailRate(t *testing.T) {
	faults := Faults{Seed: 7, Rules: []FaultRule{{Targets: []string{"PutSignalingNotifyMetadataItem"}, FailRate: 0.2}}}
	newEmu := func(f Faults) (*Emulator, string) {
		e := New(Options{Faults: f})
		c := mustAdd(t, e, Connection{ChannelID: "sora"})
		return e, c.ConnectionID
	}
	const n = 2000
	e1, c1 := newEmu(faults)
	failed := failedKeys(t, e1, c1, n, http.StatusServiceUnavailable)
	t.Run("rate", func(t *testing.T) {
		if len(failed) < n*15/100 || len(failed) > n*25/100 {
			t.Errorf("%d of %d failed, want about 20%%", len(failed), n)
		}
		if got := e1.FaultStats().Failed; got != uint64(len(failed)) {
			t.Errorf("FaultStats.Failed = %d, want %d", got, len(failed))
		}
	})
	t.Run("failed writes are not applied", func(t *testing.T) {
		md, _ := e1.Metadata("sora", c1)
		if len(md) != n-len(failed) {
			t.Errorf("%d keys written, want %d", len(md), n-len(failed))
		}
		for _, i := range failed {
			if _, ok := md[fmt.Sprintf("k%d", i)]; ok {
				t.Fatalf("key k%d written although its request failed", i)
			}
		}
	})
	t.Run("same seed same failures", func(t *testing.T) {
		e2, _ := newEmu(faults)
		// The connection id differs, so use c1's id on a copy of it.
		mustAdd(t, e2, Connection{ChannelID: "sora", ConnectionID: c1})
		if got := failedKeys(t, e2, c1, n, http.StatusServiceUnavailable); !reflect.DeepEqual(got, failed) {
			t.Errorf("another emulator with the same seed failed other requests")
		}
	})
	t.Run("other seed other failures", func(t *testing.T) {
		f := faults
		f.Seed = 8
		e3 := New(Options{Faults: f})
		mustAdd(t, e3, Connection{ChannelID: "sora", ConnectionID: c1})
		if got := failedKeys(t, e3, c1, n, http.StatusServiceUnavailable); reflect.DeepEqual(got, failed) {
			t.Errorf("seeds 7 and 8 failed the same requests")
		}
	})
	t.Run("retry of a failed request", func(t *testing.T) {
		// The n-th identical request has its own draw: retrying a failed
		// request succeeds after a few attempts.
		body := putBody(c1, fmt.Sprintf("k%d", failed[0]), failed[0])
		attempts := 1
		for serveRec(e1, target.PutItem, body).Code != http.StatusOK {
			attempts++
			if attempts > 50 {
				t.Fatal("a request failed 50 times at a 20% fail rate")
			}
		}
		if md, _ := e1.Metadata("sora", c1); md[fmt.Sprintf("k%d", failed[0])] == nil {
			t.Error("the successful retry did not write")
		}
	})
	t.Run("other targets are not affected", func(t *testing.T) {
		for range 200 {
			if rec := serveRec(e1, target.Get, fmt.Sprintf(`{"channel_id":"sora","connection_id":%q}`, c1)); rec.Code != 200 {
				t.Fatalf("get: status %d", rec.Code)
			}
		}
	})
}

func TestFaultRules(t *testing.T) {
	e := New(Options{})
	c := mustAdd(t, e, Connection{ChannelID: "sora"}).ConnectionID
	get := fmt.Sprintf(`{"channel_id":"sora","connection_id":%q}`, c)
	t.Run("first matching rule applies", func(t *testing.T) {
		err := e.SetFaults(Faults{Rules: []FaultRule{
			{Targets: []string{target.Get}, FailRate: 1, FailStatus: 429},
			{FailRate: 1, FailStatus: 500},
		}})
		if err != nil {
			t.Fatal(err)
		}
		if rec := serveRec(e, target.Get, get); rec.Code != 429 {
			t.Errorf("get: status %d, want 429", rec.Code)
		}
		if rec := serveRec(e, target.List, `{"channel_id":"sora"}`); rec.Code != 500 {
			t.Errorf("list: status %d, want 500 (catch-all rule)", rec.Code)
		}
	})
	t.Run("unknown targets still get unknown_target", func(t *testing.T) {
		rec := serveRec(e, "Sora_20201124.Bogus", `{}`)
		if typ, _ := errType(t, rec.Body.Bytes()); rec.Code != 400 || typ != ErrUnknownTarget {
			t.Errorf("status %d type %s", rec.Code, typ)
		}
	})
	t.Run("removed", func(t *testing.T) {
		if err := e.SetFaults(Faults{}); err != nil {
			t.Fatal(err)
		}
		if e.faults.Active() {
			t.Error("an empty Faults leaves a fault state (no fast path)")
		}
		if rec := serveRec(e, target.Get, get); rec.Code != 200 {
			t.Errorf("status %d after removing the faults", rec.Code)
		}
	})
	t.Run("inactive rules take the fast path", func(t *testing.T) {
		if err := e.SetFaults(Faults{Rules: []FaultRule{{Targets: []string{"GetSignalingNotifyMetadata"}}}}); err != nil {
			t.Fatal(err)
		}
		if e.faults.Active() {
			t.Error("a rule that does nothing installs a fault state")
		}
	})
	t.Run("Faults reports them normalized", func(t *testing.T) {
		in := Faults{Seed: 3, Rules: []FaultRule{{Targets: []string{"PutSignalingNotifyMetadata"}, FailRate: 0.5,
			Latency: Latency{Min: time.Millisecond}}}}
		if err := e.SetFaults(in); err != nil {
			t.Fatal(err)
		}
		want := Faults{Seed: 3, Rules: []FaultRule{{Targets: []string{target.Put}, FailRate: 0.5, FailStatus: 503,
			Latency: Latency{Min: time.Millisecond, Max: time.Millisecond}}}}
		if got := e.Faults(); !reflect.DeepEqual(got, want) {
			t.Errorf("Faults() = %+v, want %+v", got, want)
		}
		_ = e.SetFaults(Faults{})
	})
}

func TestFaultValidation(t *testing.T) {
	tests := []struct {
		name string
		f    FaultRule
		want string
	}{
		{"rate above 1", FaultRule{FailRate: 1.5}, "rules[0]: fail_rate 1.5: want a share from 0 to 1"},
		{"negative drop", FaultRule{DropRate: -0.1}, "rules[0]: drop_rate -0.1: want a share from 0 to 1"},
		{"status not an error", FaultRule{FailRate: 1, FailStatus: 200}, "rules[0]: fail_status 200: want an error status from 400 to 599"},
		{"unknown target", FaultRule{Targets: []string{"Bogus"}, FailRate: 1}, `rules[0]: unknown target "Bogus" (want one of ListSignalingNotifyMetadata, `},
		{"backwards latency", FaultRule{Latency: Latency{Min: 2 * time.Second, Max: time.Second}}, "rules[0]: latency 2s: the range ends before it starts"},
		{"huge latency", FaultRule{Latency: Latency{Min: 2 * time.Hour}}, "rules[0]: latency 2h0m0s: at most 1h0m0s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := New(Options{})
			err := e.SetFaults(Faults{Rules: []FaultRule{tt.f}})
			if err == nil || !strings.HasPrefix(err.Error(), "faults: "+tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
			if Faults(asFaults(tt.f)).Validate() == nil {
				t.Error("Validate accepts what SetFaults refuses")
			}
			if e.faults.Active() || len(e.Faults().Rules) != 0 {
				t.Error("a refused Faults was installed")
			}
		})
	}
	t.Run("New panics", func(t *testing.T) {
		defer func() {
			if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "fail_rate") {
				t.Errorf("recovered %v", r)
			}
		}()
		New(Options{Faults: Faults{Rules: []FaultRule{{FailRate: 2}}}})
	})
}

func asFaults(r FaultRule) Faults { return Faults{Rules: []FaultRule{r}} }

func TestFaultsOverHTTP(t *testing.T) {
	e, srv := start(t, Options{})
	c := mustAdd(t, e, Connection{ChannelID: "sora"}).ConnectionID
	get := fmt.Sprintf(`{"channel_id":"sora","connection_id":%q}`, c)
	post := func(ctx context.Context, body string) (*http.Response, error) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL, strings.NewReader(body))
		req.Header.Set("x-sora-target", target.PutItem)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			_, _ = io.ReadAll(resp.Body)
			resp.Body.Close()
		}
		return resp, err
	}
	t.Run("drop closes without a reply", func(t *testing.T) {
		if err := e.SetFaults(Faults{Rules: []FaultRule{{Targets: []string{target.PutItem}, DropRate: 1}}}); err != nil {
			t.Fatal(err)
		}
		defer e.SetFaults(Faults{})
		before := e.FaultStats().Dropped
		_, err := post(context.Background(), putBody(c, "dropped", 1))
		if err == nil || !(errors.Is(err, io.EOF) || strings.Contains(err.Error(), "EOF") || strings.Contains(err.Error(), "reset")) {
			t.Fatalf("error %v, want the connection closed without a reply", err)
		}
		if md, _ := e.Metadata("sora", c); md["dropped"] != nil {
			t.Error("a dropped write was applied")
		}
		if e.FaultStats().Dropped != before+1 {
			t.Errorf("Dropped = %d, want %d", e.FaultStats().Dropped, before+1)
		}
		// Reads still answer.
		if r := call(t, srv.URL, target.Get, get); r.status != 200 {
			t.Errorf("get: status %d", r.status)
		}
	})
	t.Run("latency", func(t *testing.T) {
		if err := e.SetFaults(Faults{Rules: []FaultRule{{Latency: Latency{Min: 60 * time.Millisecond}}}}); err != nil {
			t.Fatal(err)
		}
		defer e.SetFaults(Faults{})
		start := time.Now()
		if r := call(t, srv.URL, target.Get, get); r.status != 200 {
			t.Fatalf("status %d", r.status)
		}
		// A lower bound only: the reply cannot come before the latency.
		if d := time.Since(start); d < 60*time.Millisecond {
			t.Errorf("reply after %s, before the 60ms latency", d)
		}
	})
	t.Run("hang until the client goes away", func(t *testing.T) {
		if err := e.SetFaults(Faults{Rules: []FaultRule{{Hang: true}}}); err != nil {
			t.Fatal(err)
		}
		defer e.SetFaults(Faults{})
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		_, err := post(ctx, putBody(c, "hung", 1))
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("error %v, want the client's deadline", err)
		}
		if md, _ := e.Metadata("sora", c); md["hung"] != nil {
			t.Error("a hung write was applied")
		}
	})
	t.Run("hang until switched off", func(t *testing.T) {
		if err := e.SetFaults(Faults{Rules: []FaultRule{{Hang: true}}}); err != nil {
			t.Fatal(err)
		}
		hung := e.FaultStats().Hung
		done := make(chan error, 1)
		go func() {
			resp, err := post(context.Background(), putBody(c, "later", 1))
			if err == nil && resp.StatusCode != 200 {
				err = fmt.Errorf("status %d", resp.StatusCode)
			}
			done <- err
		}()
		// Wait until the request hangs, then switch the faults off through
		// the admin API.
		for e.FaultStats().Hung == hung {
			select {
			case err := <-done:
				t.Fatalf("the request ended while hanging: %v", err)
			case <-time.After(5 * time.Millisecond):
			}
		}
		if r := do(t, http.MethodDelete, srv.URL+"emulator/faults", "", ""); r.status != 204 {
			t.Fatalf("delete faults: %d %s", r.status, r.body)
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if md, _ := e.Metadata("sora", c); fmt.Sprint(md["later"]) != "1" {
			t.Errorf("the released write was not applied: %v", md)
		}
	})
}

func TestFaultsAdminAPI(t *testing.T) {
	e, srv := start(t, Options{})
	url := srv.URL + "emulator/faults"
	t.Run("get none", func(t *testing.T) {
		r := do(t, http.MethodGet, url, "", "")
		if r.status != 200 {
			t.Fatalf("status %d", r.status)
		}
		jsonEqual(t, r.body, `{"seed":0,"rules":[],"injected":{"failed":0,"dropped":0,"dropped_after_apply":0,"delayed":0,"hung":0}}`)
	})
	t.Run("put", func(t *testing.T) {
		r := do(t, http.MethodPut, url, "", `{"seed":1,"rules":[{"targets":["PutSignalingNotifyMetadataItem"],"fail_rate":0.2,"latency":"5ms-50ms"},{"drop_rate":0.01}]}`)
		if r.status != 200 {
			t.Fatalf("status %d: %s", r.status, r.body)
		}
		want := `{"seed":1,"rules":[{"targets":["Sora_20201124.PutSignalingNotifyMetadataItem"],"latency":"5ms-50ms","fail_rate":0.2,"fail_status":503},` +
			`{"drop_rate":0.01,"fail_status":503}],"injected":{"failed":0,"dropped":0,"dropped_after_apply":0,"delayed":0,"hung":0}}`
		jsonEqual(t, r.body, want)
		jsonEqual(t, do(t, http.MethodGet, url, "", "").body, want)
		if got := e.Faults(); got.Seed != 1 || len(got.Rules) != 2 || got.Rules[0].Latency != (Latency{Min: 5 * time.Millisecond, Max: 50 * time.Millisecond}) {
			t.Errorf("Faults() = %+v", got)
		}
	})
	t.Run("put back a get reply", func(t *testing.T) {
		got := do(t, http.MethodGet, url, "", "").body
		if r := do(t, http.MethodPut, url, "", string(got)); r.status != 200 {
			t.Fatalf("status %d: %s", r.status, r.body)
		}
	})
	bad := []struct{ name, body, msg string }{
		{"rate", `{"rules":[{"fail_rate":2}]}`, "faults: rules[0]: fail_rate 2: want a share from 0 to 1"},
		{"target", `{"rules":[{"targets":["Nope"],"hang":true}]}`, `faults: rules[0]: unknown target "Nope"`},
		{"latency", `{"rules":[{"latency":"soon"}]}`, `invalid body: latency "soon": want a duration like 50ms or a range like 5ms-50ms`},
		{"unknown field", `{"rules":[{"fail_ratio":0.5}]}`, `invalid body: json: unknown field "fail_ratio"`},
		{"not JSON", `{`, "invalid body: unexpected EOF"},
		{"cut short", `{"rules":[{"fail_rate":0.`, "invalid body: unexpected EOF: the JSON ended before the value was complete"},
		{"empty", ``, "invalid body: empty, want a JSON object"},
		{"rules and a top-level rule", `{"fail_rate":1,"rules":[{"drop_rate":1}]}`, `invalid body: give either "rules": [...] or the fields of one rule`},
		{"drop after apply rate", `{"rules":[{"drop_after_apply_rate":-1}]}`, "faults: rules[0]: drop_after_apply_rate -1: want a share from 0 to 1"},
	}
	for _, tt := range bad {
		t.Run("put bad "+tt.name, func(t *testing.T) {
			before := e.Faults()
			r := do(t, http.MethodPut, url, "", tt.body)
			typ, msg := errType(t, r.body)
			if r.status != 400 || typ != ErrBadRequest || !strings.HasPrefix(msg, tt.msg) {
				t.Errorf("got %d %s %q, want 400 bad_request %q", r.status, typ, msg, tt.msg)
			}
			if !reflect.DeepEqual(e.Faults(), before) {
				t.Error("a refused PUT changed the faults")
			}
		})
	}
	t.Run("method not allowed", func(t *testing.T) {
		r := do(t, http.MethodPost, url, "", `{}`)
		if r.status != 405 || r.header.Get("Allow") != "GET, PUT, DELETE" {
			t.Errorf("status %d Allow %q", r.status, r.header.Get("Allow"))
		}
	})
	t.Run("delete", func(t *testing.T) {
		if r := do(t, http.MethodDelete, url, "", ""); r.status != 204 {
			t.Fatalf("status %d", r.status)
		}
		if len(e.Faults().Rules) != 0 || e.faults.Active() {
			t.Error("faults remain after DELETE")
		}
	})
}

// BenchmarkServeFaults measures the cost of the fault check on the request
// path (a PutItem served through a recorder): none configured (the fast
// path every normal run takes), and a rule for another target.
func BenchmarkServeFaults(b *testing.B) {
	for _, bc := range []struct {
		name   string
		faults Faults
	}{
		{"none", Faults{}},
		{"other target", Faults{Rules: []FaultRule{{Targets: []string{target.Get}, FailRate: 0.5}}}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			e := New(Options{Faults: bc.faults})
			c := mustAdd(b, e, Connection{ChannelID: "sora"}).ConnectionID
			body := putBody(c, "k", 1)
			b.ReportAllocs()
			for b.Loop() {
				if rec := serveRec(e, target.PutItem, body); rec.Code != 200 {
					b.Fatal(rec.Code)
				}
			}
		})
	}
}

func TestFaultHangServerClose(t *testing.T) {
	e := New(Options{Faults: Faults{Rules: []FaultRule{{Hang: true}}}})
	srv, err := Start(e, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(`{"channel_id":"sora"}`))
		req.Header.Set("x-sora-target", target.List)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			err = fmt.Errorf("got a reply, status %d", resp.StatusCode)
		}
		done <- err
	}()
	for e.FaultStats().Hung == 0 {
		time.Sleep(2 * time.Millisecond)
	}
	// Close ends hung requests at once (they do not hold the graceful
	// shutdown), and their clients see the connection closed, not a reply.
	if err := srv.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	if err := <-done; err == nil || strings.Contains(err.Error(), "got a reply") {
		t.Fatalf("client: %v", err)
	}
}
