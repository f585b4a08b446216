package sora

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/soracron/soracron/emulator"
	"github.com/soracron/soracron/sora"
)

// TestUpdateAllStoppedSaysWhichHalf ends a run while update_all is half
// done: the script never sees the summary, so the log must name exactly the
// connections that were written.
func TestUpdateAllStoppedSaysWhichHalf(t *testing.T) {
	const applied = 10
	e := emulator.New(emulator.Options{Seed: 1})
	ids := e.Generate("big", 50)
	var writes atomic.Int32
	hung := make(chan struct{}, 100)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Read the body first, so that the server notices a client that
		// goes away (and cancels r's context).
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		if r.Header.Get("x-sora-target") == sora.TargetPutItem && writes.Add(1) > applied {
			// Never answered, never applied: the run ends while it waits.
			hung <- struct{}{}
			<-r.Context().Done()
			return
		}
		e.ServeHTTP(w, r)
	}))
	defer srv.Close()
	client := newSoraClient(t, srv.URL+"/", sora.Config{Attempts: 1})

	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		for range 4 {
			<-hung
		}
		cancel()
	}()
	s := New(client, Options{Logger: logger})
	L := newSoraState(t, ctx, s, "")
	done := make(chan error, 1)
	go func() {
		_, err := runSora(L, `require("sora").update_all("big", function(md) md.k = 1 return md end, {concurrency = 4})`)
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "context canceled") {
			t.Fatalf("run error = %v, want context canceled", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("update_all did not return after the context was cancelled")
	}

	var written []string
	for _, id := range ids {
		if md, _ := e.Metadata("big", id); md["k"] != nil {
			written = append(written, id)
		}
	}
	if len(written) != applied {
		t.Fatalf("%d connections written, want %d", len(written), applied)
	}
	line := ""
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(l, "stopped before the end") {
			line = l
		}
	}
	m := regexp.MustCompile(`connections=50 written=(\d+) failed=(\d+) gone=0 not_reached=(\d+) unchanged=0 written_ids=(\S+) failed_ids=(\S+) not_reached_ids=(\S*)`).FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("no 'stopped before the end' line with the ids:\n%s", logs.String())
	}
	slices.Sort(written)
	if m[1] != "10" || m[4] != strings.Join(written, ",") {
		t.Errorf("logged written=%s ids %s, want %d ids %s", m[1], m[4], applied, strings.Join(written, ","))
	}
	// The 4 writes in flight failed (cut off); the other 36 were never reached.
	if m[2] != "4" || m[3] != "36" {
		t.Errorf("logged failed=%s not_reached=%s, want 4 and 36 (10+4+36 = 50)", m[2], m[3])
	}
	seen := map[string]bool{}
	for _, id := range append(strings.Split(m[5], ","), strings.Split(m[6], ",")...) {
		if slices.Contains(written, id) {
			t.Errorf("%s is logged as not written but was written", id)
		}
		if seen[id] {
			t.Errorf("%s is logged twice", id)
		}
		seen[id] = true
	}
	if len(seen) != 40 {
		t.Errorf("%d ids logged as failed or not reached, want 40", len(seen))
	}
	if st := s.Stats().Connections; st.Written != 10 || st.Failed != 4 || st.NotReached != 36 {
		t.Errorf("stats connections = %+v, want the same accounting as the log", st)
	}
}
